/// A QR code (ISO/IEC 18004) in byte mode, versions 1–10, error correction L or M: enough for a
/// checkout URL of up to 271 bytes, and as large as a terminal can show. The construction follows
/// the standard step by step (data bits, Reed–Solomon blocks, interleaving, function patterns,
/// zigzag placement, mask chosen by the four penalty rules). Tests compare it with a reference encoder.
public struct QRCode: Equatable, Sendable {
    public enum Correction: Sendable { case low, medium }

    public let version: Int
    public let size: Int
    public private(set) var mask: Int
    /// modules[y][x], true = dark.
    public private(set) var modules: [[Bool]]
    private var isFunction: [[Bool]]

    // Per version 1...10: error-correction codewords per block and the number of blocks.
    private static let eccPerBlock: [Correction: [Int]] = [
        .low: [7, 10, 15, 20, 26, 18, 20, 24, 30, 18],
        .medium: [10, 16, 26, 18, 24, 16, 18, 22, 22, 26],
    ]
    private static let blockCount: [Correction: [Int]] = [
        .low: [1, 1, 1, 1, 1, 2, 2, 2, 2, 4],
        .medium: [1, 1, 1, 2, 2, 4, 4, 4, 5, 5],
    ]

    /// The smallest version that holds the bytes, or nil when even version 10 cannot.
    /// `mask` forces a mask (0–7) for tests; otherwise the lowest-penalty one is used.
    public init?(_ text: String, correction: Correction = .low, minimumVersion: Int = 1, mask forcedMask: Int? = nil) {
        let bytes = Array(text.utf8)
        guard let version = (max(1, minimumVersion)...10).first(where: { bytes.count <= Self.capacity(version: $0, correction: correction) })
        else { return nil }
        self.version = version
        size = version * 4 + 17
        modules = Array(repeating: Array(repeating: false, count: size), count: size)
        isFunction = modules
        mask = 0
        drawFunctionPatterns(correction: correction)
        let codewords = Self.addErrorCorrection(Self.dataCodewords(bytes, version: version, correction: correction), version: version,
                                                correction: correction)
        drawCodewords(codewords)
        if let forcedMask {
            applyMask(forcedMask)
            drawFormatBits(correction: correction, mask: forcedMask)
            mask = forcedMask
            return
        }
        var best = (mask: 0, penalty: Int.max)
        for candidate in 0..<8 {
            applyMask(candidate)
            drawFormatBits(correction: correction, mask: candidate)
            let penalty = penaltyScore()
            if penalty < best.penalty { best = (candidate, penalty) }
            applyMask(candidate)  // XOR again undoes it
        }
        applyMask(best.mask)
        drawFormatBits(correction: correction, mask: best.mask)
        mask = best.mask
    }

    // MARK: Capacity and data

    static func rawDataModules(_ version: Int) -> Int {
        var result = (16 * version + 128) * version + 64
        if version >= 2 {
            let alignments = version / 7 + 2
            result -= (25 * alignments - 10) * alignments - 55
            if version >= 7 { result -= 36 }
        }
        return result
    }

    static func dataCodewordCount(version: Int, correction: Correction) -> Int {
        rawDataModules(version) / 8 - eccPerBlock[correction]![version - 1] * blockCount[correction]![version - 1]
    }

    /// Bytes that fit: 4 bits of mode, the count (8 bits below version 10, 16 from it), 8 bits a byte.
    static func capacity(version: Int, correction: Correction) -> Int {
        (dataCodewordCount(version: version, correction: correction) * 8 - 4 - (version < 10 ? 8 : 16)) / 8
    }

    static func dataCodewords(_ bytes: [UInt8], version: Int, correction: Correction) -> [UInt8] {
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) {
            for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
        }
        append(0b0100, 4)
        append(bytes.count, version < 10 ? 8 : 16)
        for byte in bytes { append(Int(byte), 8) }
        let capacityBits = dataCodewordCount(version: version, correction: correction) * 8
        append(0, min(4, capacityBits - bits.count))
        append(0, (8 - bits.count % 8) % 8)
        var pad = 0xEC
        while bits.count < capacityBits {
            append(pad, 8)
            pad ^= 0xEC ^ 0x11
        }
        return stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
        }
    }

    // MARK: Reed–Solomon over GF(256), polynomial 0x11D

    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var z = 0
        for i in stride(from: 7, through: 0, by: -1) {
            z = (z << 1) ^ ((z >> 7) * 0x11D)
            z ^= Int((y >> UInt8(i)) & 1) * Int(x)
        }
        return UInt8(z & 0xFF)
    }

    static func divisor(degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for j in 0..<degree {
                result[j] = multiply(result[j], root)
                if j + 1 < degree { result[j] ^= result[j + 1] }
            }
            root = multiply(root, 0x02)
        }
        return result
    }

    static func remainder(_ data: [UInt8], divisor: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: divisor.count)
        for byte in data {
            let factor = byte ^ result.removeFirst()
            result.append(0)
            for i in result.indices { result[i] ^= multiply(divisor[i], factor) }
        }
        return result
    }

    /// Splits the data into blocks, appends each block's error correction, and interleaves them.
    static func addErrorCorrection(_ data: [UInt8], version: Int, correction: Correction) -> [UInt8] {
        let blocks = blockCount[correction]![version - 1]
        let eccLength = eccPerBlock[correction]![version - 1]
        let raw = rawDataModules(version) / 8
        let shortBlocks = blocks - raw % blocks
        let shortLength = raw / blocks
        let generator = divisor(degree: eccLength)
        var all: [[UInt8]] = []
        var offset = 0
        for index in 0..<blocks {
            let length = shortLength - eccLength + (index < shortBlocks ? 0 : 1)
            var block = Array(data[offset..<offset + length])
            offset += length
            let ecc = remainder(block, divisor: generator)
            if index < shortBlocks { block.append(0) }
            all.append(block + ecc)
        }
        var result: [UInt8] = []
        for i in 0..<all[0].count {
            for (j, block) in all.enumerated() where i != shortLength - eccLength || j >= shortBlocks {
                result.append(block[i])
            }
        }
        return result
    }

    // MARK: Function patterns

    private mutating func setFunction(_ x: Int, _ y: Int, _ dark: Bool) {
        modules[y][x] = dark
        isFunction[y][x] = true
    }

    private static func alignmentPositions(_ version: Int) -> [Int] {
        guard version > 1 else { return [] }
        let count = version / 7 + 2
        let step = (version * 4 + count * 2 + 1) / (count * 2 - 2) * 2
        var result = [6]
        var position = version * 4 + 17 - 7
        var tail: [Int] = []
        for _ in 1..<count {
            tail.insert(position, at: 0)
            position -= step
        }
        result += tail
        return result
    }

    private mutating func drawFunctionPatterns(correction: Correction) {
        for i in 0..<size {
            setFunction(6, i, i % 2 == 0)
            setFunction(i, 6, i % 2 == 0)
        }
        for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            for dy in -4...4 {
                for dx in -4...4 {
                    let x = cx + dx, y = cy + dy
                    guard (0..<size).contains(x), (0..<size).contains(y) else { continue }
                    let distance = max(abs(dx), abs(dy))
                    setFunction(x, y, distance != 2 && distance != 4)
                }
            }
        }
        let positions = Self.alignmentPositions(version)
        for (i, ax) in positions.enumerated() {
            for (j, ay) in positions.enumerated() {
                let last = positions.count - 1
                if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                for dy in -2...2 {
                    for dx in -2...2 { setFunction(ax + dx, ay + dy, max(abs(dx), abs(dy)) != 1) }
                }
            }
        }
        drawFormatBits(correction: correction, mask: 0)  // reserves the area; redrawn with the real mask
        if version >= 7 {
            var remainder = version
            for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
            let bits = version << 12 | remainder
            for i in 0..<18 {
                let dark = (bits >> i) & 1 == 1
                let a = size - 11 + i % 3, b = i / 3
                setFunction(a, b, dark)
                setFunction(b, a, dark)
            }
        }
    }

    private mutating func drawFormatBits(correction: Correction, mask: Int) {
        let data = (correction == .low ? 1 : 0) << 3 | mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        let bits = (data << 10 | remainder) ^ 0x5412
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
        for i in 0...5 { setFunction(8, i, bit(i)) }
        setFunction(8, 7, bit(6))
        setFunction(8, 8, bit(7))
        setFunction(7, 8, bit(8))
        for i in 9..<15 { setFunction(14 - i, 8, bit(i)) }
        for i in 0..<8 { setFunction(size - 1 - i, 8, bit(i)) }
        for i in 8..<15 { setFunction(8, size - 15 + i, bit(i)) }
        setFunction(8, size - 8, true)
    }

    // MARK: Data placement and masks

    private mutating func drawCodewords(_ data: [UInt8]) {
        var i = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            for vertical in 0..<size {
                for j in 0..<2 {
                    let x = right - j
                    let upward = (right + 1) & 2 == 0
                    let y = upward ? size - 1 - vertical : vertical
                    if !isFunction[y][x] && i < data.count * 8 {
                        modules[y][x] = (data[i >> 3] >> UInt8(7 - (i & 7))) & 1 == 1
                        i += 1
                    }
                }
            }
            right -= 2
        }
    }

    private mutating func applyMask(_ mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y][x] {
                let invert: Bool
                switch mask {
                case 0: invert = (x + y) % 2 == 0
                case 1: invert = y % 2 == 0
                case 2: invert = x % 3 == 0
                case 3: invert = (x + y) % 3 == 0
                case 4: invert = (x / 3 + y / 2) % 2 == 0
                case 5: invert = x * y % 2 + x * y % 3 == 0
                case 6: invert = (x * y % 2 + x * y % 3) % 2 == 0
                default: invert = ((x + y) % 2 + x * y % 3) % 2 == 0
                }
                if invert { modules[y][x].toggle() }
            }
        }
    }

    /// The standard's four penalty rules: runs, 2×2 blocks, finder look-alikes, dark balance.
    func penaltyScore() -> Int {
        var penalty = 0
        let finderLike: [Bool] = [true, false, true, true, true, false, true]
        func lines() -> [[Bool]] {
            modules + (0..<size).map { x in (0..<size).map { y in modules[y][x] } }
        }
        for line in lines() {
            var run = 1
            for i in 1..<line.count {
                if line[i] == line[i - 1] {
                    run += 1
                } else {
                    if run >= 5 { penalty += run - 2 }
                    run = 1
                }
            }
            if run >= 5 { penalty += run - 2 }
            // 1:1:3:1:1 with four light modules on one side (the light margin counts as light).
            let padded = [Bool](repeating: false, count: 4) + line + [Bool](repeating: false, count: 4)
            for start in 0...(padded.count - 7) where Array(padded[start..<start + 7]) == finderLike {
                let before = start >= 4 && !padded[(start - 4)..<start].contains(true)
                let after = start + 11 <= padded.count && !padded[(start + 7)..<(start + 11)].contains(true)
                if before || after { penalty += 40 }
            }
        }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let color = modules[y][x]
                if modules[y][x + 1] == color && modules[y + 1][x] == color && modules[y + 1][x + 1] == color { penalty += 3 }
            }
        }
        let dark = modules.reduce(0) { $0 + $1.filter { $0 }.count }
        let total = size * size
        let k = (abs(dark * 20 - total * 10) + total - 1) / total - 1
        penalty += max(0, k) * 10
        return penalty
    }

    // MARK: Drawing

    /// Rows of text, two modules per character cell with half blocks, dark modules drawn as
    /// spaces on the light (█) quiet zone, so the code reads dark-on-light in a dark terminal.
    public func halfBlockRows(quietZone: Int = 1) -> [String] {
        let full = size + quietZone * 2
        func light(_ x: Int, _ y: Int) -> Bool {
            let mx = x - quietZone, my = y - quietZone
            guard (0..<size).contains(mx), (0..<size).contains(my) else { return true }
            return !modules[my][mx]
        }
        return stride(from: 0, to: full, by: 2).map { y in
            String((0..<full).map { x -> Character in
                let top = light(x, y)
                let bottom = y + 1 < full ? light(x, y + 1) : false
                switch (top, bottom) {
                case (true, true): return "█"
                case (true, false): return "▀"
                case (false, true): return "▄"
                case (false, false): return " "
                }
            })
        }
    }
}
