import ClinicAPI
import ClinicStore
import NIOCore

/// The JSON of a page of patients written straight into a buffer: the busiest answer of all
/// without Codable's boxed values and the explicit-nulls pass over its bytes, which were a third of
/// its CPU (`docs/PERFORMANCE.md`). The shape is the contract's `PatientPage` with its nulls
/// written out; `PatientPageJSONTests` hold it equal to the generated encoder's on random records.
enum PatientPageJSON {
    static func encode(_ page: Page<PatientRecord>) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(64 + page.items.count * 360)
        out.writeStaticString("{\"items\":[")
        for (index, patient) in page.items.enumerated() {
            if index > 0 { out.writeInteger(UInt8(ascii: ",")) }
            out.writeStaticString("{\"id\":")
            writeString(patient.id, into: &out)
            out.writeStaticString(",\"name\":")
            writeString(patient.name, into: &out)
            out.writeStaticString(",\"phone_number\":")
            writeString(patient.phoneNumber, into: &out)
            out.writeStaticString(",\"address\":")
            writeString(patient.address, into: &out)
            out.writeStaticString(",\"notes\":")
            writeString(patient.notes, into: &out)
            out.writeStaticString(",\"date_of_birth\":")
            writeString(patient.dateOfBirth, into: &out)
            out.writeStaticString(",\"sex\":")
            writeString(patient.sex, into: &out)
            out.writeStaticString(",\"created_at\":")
            writeTimestamp(patient.createdAt, into: &out)
            out.writeStaticString(",\"updated_at\":")
            writeTimestamp(patient.updatedAt, into: &out)
            out.writeInteger(UInt8(ascii: "}"))
        }
        out.writeStaticString("],\"next_cursor\":")
        writeString(page.next?.encoded, into: &out)
        out.writeInteger(UInt8(ascii: "}"))
        return out
    }

    /// RFC 3339 as the generated encoder writes it (digits, `-:.TZ`: nothing to escape).
    static func writeTimestamp(_ millis: Int64, into out: inout ByteBuffer) {
        out.writeInteger(UInt8(ascii: "\""))
        out.writeBytes(RFC3339DateTranscoder.utf8(millis: millis))
        out.writeInteger(UInt8(ascii: "\""))
    }

    /// A JSON string (RFC 8259): quote, backslash and control characters escaped, the rest as UTF-8.
    static func writeString(_ value: String?, into out: inout ByteBuffer) {
        guard var text = value else {
            out.writeStaticString("null")
            return
        }
        out.writeInteger(UInt8(ascii: "\""))
        text.withUTF8 { bytes in
            var runStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.writeBytes(UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): out.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): out.writeStaticString("\\\\")
                case 0x0A: out.writeStaticString("\\n")
                case 0x0D: out.writeStaticString("\\r")
                case 0x09: out.writeStaticString("\\t")
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    out.writeStaticString("\\u00")
                    out.writeInteger(hex[Int(byte >> 4)])
                    out.writeInteger(hex[Int(byte & 0x0F)])
                }
            }
            out.writeBytes(UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        out.writeInteger(UInt8(ascii: "\""))
    }
}
