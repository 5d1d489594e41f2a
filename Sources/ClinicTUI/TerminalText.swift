import ClinicAPI
import Foundation

/// Text on its way to the terminal: stripped of anything a terminal would act on, measured in
/// columns rather than characters.
public enum TerminalText {
    /// Removes control characters, escape sequences (CSI, OSC, …) and bidirectional overrides from
    /// text that came from a server or a file. Newlines and tabs become spaces unless `keepNewlines`.
    /// (The rules live with the contract, in `UntrustedText`, so the API client applies the same.)
    public static func sanitize(_ text: String, keepNewlines: Bool = false) -> String {
        UntrustedText.sanitize(text, keepNewlines: keepNewlines)
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
