import Foundation

/// Text on its way to the terminal: stripped of anything a terminal would act on, measured in
/// columns rather than characters.
public enum TerminalText {
    /// Removes control characters, escape sequences (CSI, OSC, …) and bidirectional overrides from
    /// text that came from a server or a file. Newlines and tabs become spaces unless `keepNewlines`.
    public static func sanitize(_ text: String, keepNewlines: Bool = false) -> String {
        var output = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            switch scalar.value {
            case 0x1B:
                // ESC: skip the whole sequence. CSI runs to a final byte 0x40–0x7E; OSC/DCS/APC/PM/SOS to BEL or ESC \.
                guard let next = scalars.next() else { break }
                switch next {
                case "[":
                    while let c = scalars.next(), !(0x40...0x7E).contains(c.value) {}
                case "]", "P", "_", "^", "X":
                    var previous: Unicode.Scalar = " "
                    while let c = scalars.next() {
                        if c.value == 0x07 || (previous.value == 0x1B && c == "\\") { break }
                        previous = c
                    }
                default:
                    break  // a two-character escape: both dropped
                }
            case 0x0A, 0x0D:
                if keepNewlines { if scalar.value == 0x0A { output.append("\n") } } else { output.append(" ") }
            case 0x09:
                output.append(" ")
            case 0x00...0x1F, 0x7F...0x9F:
                continue  // C0 and C1 controls (0x9B is a one-byte CSI)
            case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C:
                continue  // bidi embeddings, overrides, isolates and marks would reorder the line
            case 0xFFF9...0xFFFB, 0xFEFF:
                continue
            default:
                output.append(scalar)
            }
        }
        return String(output)
    }

    /// Columns a character takes as terminals count them: each code point in the cluster adds 1
    /// (2 when East Asian wide), except combining marks and format characters, which add 0. (So a
    /// Devanagari conjunct with a virama takes the columns of its consonants and spacing vowel signs.)
    public static func width(_ character: Character) -> Int {
        var total = 0
        for scalar in character.unicodeScalars {
            let value = scalar.value
            if value < 0x20 || (0x7F..<0xA0).contains(value) { continue }
            if value < 0x300 { total += 1; continue }
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .format: continue
            default: break
            }
            total += isWide(value) || scalar.properties.isEmojiPresentation ? 2 : 1
        }
        return total
    }

    /// East Asian Wide and Fullwidth ranges (Unicode's EastAsianWidth W/F, the blocks terminals draw double).
    static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
             0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
             0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF,
             0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    public static func width(_ text: String) -> Int {
        text.reduce(0) { $0 + width($1) }
    }

    /// At most `columns` columns of `text`, with `…` when cut.
    public static func truncate(_ text: String, to columns: Int) -> String {
        guard columns > 0 else { return "" }
        if width(text) <= columns { return text }
        var result = ""
        var used = 0
        for character in text {
            let w = width(character)
            if used + w > columns - 1 { break }
            result.append(character)
            used += w
        }
        return result + "…"
    }

    /// `text` cut or padded with spaces to exactly `columns` columns.
    public static func fit(_ text: String, to columns: Int) -> String {
        let cut = truncate(text, to: columns)
        return cut + String(repeating: " ", count: max(0, columns - width(cut)))
    }

    /// Splits text into lines of at most `columns` columns, at spaces where possible.
    public static func wrap(_ text: String, to columns: Int) -> [String] {
        guard columns > 0 else { return [] }
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var lineWidth = 0
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: false) {
                let wordWidth = width(String(word))
                if lineWidth > 0 && lineWidth + 1 + wordWidth > columns {
                    lines.append(line)
                    line = ""
                    lineWidth = 0
                }
                if wordWidth > columns {
                    // A word longer than the line: hard-break it.
                    for character in word {
                        let w = width(character)
                        if lineWidth + w > columns { lines.append(line); line = ""; lineWidth = 0 }
                        line.append(character)
                        lineWidth += w
                    }
                    continue
                }
                if lineWidth > 0 { line += " "; lineWidth += 1 }
                line += word
                lineWidth += wordWidth
            }
            lines.append(line)
        }
        return lines
    }
}
