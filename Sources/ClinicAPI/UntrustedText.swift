import Foundation

/// Text that came from a server or a file, on its way to a terminal or a message: without control
/// characters, escape sequences (CSI, OSC, DCS, …) or bidirectional overrides that would act on the
/// terminal or reorder the line.
public enum UntrustedText {
    /// Newlines and tabs become spaces unless `keepNewlines`.
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

    /// Whether anything readable is left once sanitised (a letter or a digit).
    public static func isReadable(_ text: String) -> Bool {
        sanitize(text).unicodeScalars.contains { $0.properties.isAlphabetic || $0.properties.numericType != nil }
    }
}
