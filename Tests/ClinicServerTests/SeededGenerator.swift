import Synchronization
import Foundation

/// A random number generator whose run can be repeated: the seed comes from TEST_SEED or the clock,
/// and is printed, so a failure found with random values can be run again with the same ones.
struct SeededGenerator: RandomNumberGenerator {
    let seed: UInt64
    private var state: UInt64

    init(_ label: String) {
        seed = ProcessInfo.processInfo.environment["TEST_SEED"].flatMap(UInt64.init) ?? UInt64(Date().timeIntervalSince1970 * 1000)
        state = seed
        print("\(label): seed \(seed) (TEST_SEED=\(seed) repeats this run)")
    }

    /// SplitMix64: small, fast, and good enough to pick test values.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// The values tests choose at random only so that runs sharing a database do not collide (client
/// addresses, appointment times): one generator for the test process, its seed printed once.
enum TestRandom {
    private static let shared = Mutex(SeededGenerator("TestRandom"))

    static func int(in range: ClosedRange<Int>) -> Int {
        shared.withLock { Int.random(in: range, using: &$0) }
    }
}
