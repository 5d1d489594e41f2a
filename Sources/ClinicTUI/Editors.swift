import Foundation

/// A one-line text field: insert, delete, move, with a horizontal view into long text.
public struct LineField: Equatable, Sendable {
    public var text: String
    public var cursor: Int
    public var isSecret: Bool
    public var maxLength: Int

    public init(_ text: String = "", isSecret: Bool = false, maxLength: Int = 500) {
        self.text = text
        self.cursor = text.count
        self.isSecret = isSecret
        self.maxLength = maxLength
    }

    /// Returns true when the key was an edit or a move inside the field.
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .character(let character):
            guard text.count < maxLength, !character.isNewline else { return true }
            let index = text.index(text.startIndex, offsetBy: cursor)
            text.insert(character, at: index)
            cursor += 1
        case .backspace:
            guard cursor > 0 else { return true }
            text.remove(at: text.index(text.startIndex, offsetBy: cursor - 1))
            cursor -= 1
        case .delete:
            guard cursor < text.count else { return true }
            text.remove(at: text.index(text.startIndex, offsetBy: cursor))
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(text.count, cursor + 1)
        case .home, .control("a"): cursor = 0
        case .end, .control("e"): cursor = text.count
        case .control("u"):
            text = ""
            cursor = 0
        default:
            return false
        }
        return true
    }

    /// What to draw in `columns` columns, and where the cursor falls in it.
    public func visible(columns: Int) -> (text: String, cursorColumn: Int) {
        let shown = isSecret ? String(repeating: "•", count: text.count) : TerminalText.sanitize(text)
        let characters = Array(shown)
        var start = 0
        while start < cursor && TerminalText.width(String(characters[start..<min(cursor, characters.count)])) > columns - 1 { start += 1 }
        let visible = TerminalText.truncate(String(characters[start...]), to: columns)
        let cursorColumn = TerminalText.width(String(characters[start..<min(cursor, characters.count)]))
        return (visible, cursorColumn)
    }
}

/// A multi-line editor for clinical notes.
public struct TextEditor: Equatable, Sendable {
    public var lines: [String]
    public var row = 0
    public var column = 0
    public var scroll = 0
    public let maxCharacters: Int

    public init(_ text: String = "", maxCharacters: Int = 20_000) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.isEmpty { lines = [""] }
        row = lines.count - 1
        column = lines[row].count
        self.maxCharacters = maxCharacters
    }

    public var text: String { lines.joined(separator: "\n") }
    public var characterCount: Int { lines.reduce(lines.count - 1) { $0 + $1.count } }

    /// Returns true when the text changed.
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .character(let character):
            guard characterCount < maxCharacters else { return false }
            var line = Array(lines[row])
            line.insert(character, at: column)
            lines[row] = String(line)
            column += 1
            return true
        case .enter:
            guard characterCount < maxCharacters else { return false }
            let line = Array(lines[row])
            lines[row] = String(line[..<column])
            lines.insert(String(line[column...]), at: row + 1)
            row += 1
            column = 0
            return true
        case .backspace:
            if column > 0 {
                var line = Array(lines[row])
                line.remove(at: column - 1)
                lines[row] = String(line)
                column -= 1
                return true
            } else if row > 0 {
                column = lines[row - 1].count
                lines[row - 1] += lines[row]
                lines.remove(at: row)
                row -= 1
                return true
            }
            return false
        case .delete:
            if column < lines[row].count {
                var line = Array(lines[row])
                line.remove(at: column)
                lines[row] = String(line)
                return true
            } else if row + 1 < lines.count {
                lines[row] += lines[row + 1]
                lines.remove(at: row + 1)
                return true
            }
            return false
        case .left:
            if column > 0 { column -= 1 } else if row > 0 { row -= 1; column = lines[row].count }
        case .right:
            if column < lines[row].count { column += 1 } else if row + 1 < lines.count { row += 1; column = 0 }
        case .up:
            if row > 0 { row -= 1; column = min(column, lines[row].count) }
        case .down:
            if row + 1 < lines.count { row += 1; column = min(column, lines[row].count) }
        case .home, .control("a"): column = 0
        case .end, .control("e"): column = lines[row].count
        default:
            break
        }
        return false
    }
}
