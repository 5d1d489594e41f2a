import Foundation
#if FUZZING
import CLibFuzzer
#endif

/// What the fuzz targets share. Built for fuzzing (see Package.swift) a target runs libFuzzer's
/// driver on its callback; built normally it replays a corpus (files or folders given as
/// arguments), so the seeds and every crash once found stay regression tests in the debug build.
public enum FuzzHarness {
    public typealias Callback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// The program: libFuzzer with `callback`, or the replay of the arguments through `body`.
    public static func main(_ body: (Data) -> Void, fuzzer callback: Callback) -> Never {
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
        #else
        exit(replay(arguments: Array(CommandLine.arguments.dropFirst()), body))
        #endif
    }

    /// Runs `body` on every file named (folders: every file inside). Exit status 0 when all ran.
    public static func replay(arguments: [String], _ body: (Data) -> Void) -> Int32 {
        var files: [String] = []
        for argument in arguments {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder) else {
                FileHandle.standardError.write(Data("no such file: \(argument)\n".utf8))
                return 2
            }
            if isFolder.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
                files += names.sorted().map { argument + "/" + $0 }
            } else {
                files.append(argument)
            }
        }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            body(data)
        }
        print("replayed \(files.count) inputs")
        return 0
    }

    /// The bytes libFuzzer hands over.
    public static func data(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Data {
        guard let start, count > 0 else { return Data() }
        return Data(bytes: start, count: count)
    }

    /// Stops the process loudly: libFuzzer records the input that got here as a crash.
    public static func violated(_ what: String, _ input: Data) -> Never {
        let shown = String(decoding: input.prefix(200), as: UTF8.self).debugDescription
        fatalError("invariant violated: \(what) (input \(shown))")
    }
}

/// Runs an async body to completion from libFuzzer's synchronous callback.
public func runBlocking(_ body: @escaping @Sendable () async -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task {
        await body()
        done.signal()
    }
    done.wait()
}
