import Foundation

/// How a cell is drawn; the terminal maps roles to colours and attributes (or to bold/reverse
/// only, without colour).
public enum StyleRole: UInt8, Sendable, CaseIterable {
    case normal, dim, bold, title, selected, selectedDim, accent, error, warning, success, keyHint, statusBar, locked, input, inputFocused
}

/// One screen cell: a character (grapheme) and its style. A wide character fills its cell and
/// leaves the next one empty (`text == ""`).
public struct Cell: Equatable, Sendable {
    public var text: String
    public var style: StyleRole

    public static let blank = Cell(text: " ", style: .normal)
}

/// An in-memory grid the view draws into. Snapshots compare `lines`; the terminal renderer
/// writes only the cells that differ from the previous frame.
public struct Screen: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    public var cursor: (x: Int, y: Int)? = nil

    public init(width: Int, height: Int) {
        self.width = max(width, 1)
        self.height = max(height, 1)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public static func == (lhs: Screen, rhs: Screen) -> Bool {
        lhs.width == rhs.width && lhs.height == rhs.height && lhs.cells == rhs.cells
            && lhs.cursor?.x == rhs.cursor?.x && lhs.cursor?.y == rhs.cursor?.y
    }

    public subscript(x: Int, y: Int) -> Cell {
        cells[y * width + x]
    }

    /// Writes already-sanitized text at (x, y), clipped to `maxWidth` columns and the screen edge.
    /// Returns the column after the last character written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: StyleRole = .normal, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height, x < width else { return x }
        let limit = min(width, x + (maxWidth ?? width))
        var column = x
        for character in text {
            let w = TerminalText.width(character)
            if w == 0 {
                // A combining character on its own joins the previous cell.
                if column > 0, column - 1 < width, column - 1 >= x { cells[y * width + column - 1].text.append(character) }
                continue
            }
            if column + w > limit { break }
            if column >= 0 {
                // Overwriting half of a wide character blanks the other half.
                var start = column
                while start > 0 && cells[y * width + start].text.isEmpty { start -= 1 }
                if start < column { cells[y * width + start].text = " " }
                let after = column + w
                if after < width && cells[y * width + after].text.isEmpty { cells[y * width + after].text = " " }
                cells[y * width + column] = Cell(text: String(character), style: style)
                for extra in 1..<max(1, w) where column + extra < width {
                    cells[y * width + column + extra] = Cell(text: "", style: style)
                }
            }
            column += w
        }
        return column
    }

    /// Fills a rectangle with spaces in one style.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, style: StyleRole) {
        guard w > 0, h > 0 else { return }
        for row in max(0, y)..<min(height, y + h) {
            // A wide character cut by the rectangle's edges is blanked, not left half drawn.
            var start = max(0, x)
            while start > 0 && start < width && cells[row * width + start].text.isEmpty {
                start -= 1
                cells[row * width + start].text = " "
            }
            var end = x + w
            while end < width && cells[row * width + end].text.isEmpty {
                cells[row * width + end].text = " "
                end += 1
            }
            for column in max(0, x)..<min(width, x + w) {
                cells[row * width + column] = Cell(text: " ", style: style)
            }
        }
    }

    /// A line of text padded to the full width, in one style (bars, selected rows).
    public mutating func bar(_ text: String, y: Int, x: Int = 0, width w: Int? = nil, style: StyleRole) {
        let barWidth = w ?? (width - x)
        fill(x: x, y: y, width: barWidth, height: 1, style: style)
        put(text, x: x, y: y, style: style, maxWidth: barWidth)
    }

    /// The screen as text, one string per row (wide characters take their two columns).
    public var lines: [String] {
        (0..<height).map { row in
            var line = ""
            for column in 0..<width { line += cells[row * width + column].text }
            return line.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
    }

    public var text: String { lines.joined(separator: "\n") }

    /// Runs of cells that differ from `previous` (all of them when sizes differ), row by row.
    public func changes(since previous: Screen?) -> [(x: Int, y: Int, cells: ArraySlice<Cell>)] {
        guard let previous, previous.width == width, previous.height == height else {
            return (0..<height).map { (0, $0, cells[($0 * width)..<(($0 + 1) * width)]) }
        }
        var runs: [(x: Int, y: Int, cells: ArraySlice<Cell>)] = []
        for row in 0..<height {
            let range = (row * width)..<((row + 1) * width)
            // Clusters of several code points (Devanagari conjuncts, say) are where a terminal's idea
            // of columns may drift from ours: a row holding one is rewritten whole when it changes.
            if cells[range] != previous.cells[range] {
                if cells[range].contains(where: { $0.text.unicodeScalars.count > 1 })
                    || previous.cells[range].contains(where: { $0.text.unicodeScalars.count > 1 }) {
                    runs.append((0, row, cells[range]))
                    continue
                }
            } else {
                continue
            }
            var column = 0
            while column < width {
                let index = row * width + column
                if cells[index] == previous.cells[index] { column += 1; continue }
                var end = column + 1
                // Join nearby changes: a move costs about as much as a few unchanged cells.
                while end < width {
                    let i = row * width + end
                    if cells[i] != previous.cells[i] { end += 1; continue }
                    var gap = end
                    while gap < width && gap < end + 4 && cells[row * width + gap] == previous.cells[row * width + gap] { gap += 1 }
                    if gap < width && gap < end + 4 { end = gap } else { break }
                }
                // Never start a run on the right half of a wide character.
                var start = column
                if start > 0 && cells[row * width + start].text.isEmpty { start -= 1 }
                runs.append((start, row, cells[(row * width + start)..<(row * width + end)]))
                column = end
            }
        }
        return runs
    }
}
