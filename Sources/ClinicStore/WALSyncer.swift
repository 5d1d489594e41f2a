import Foundation

/// Syncs the SQLite write-ahead log to disk after commits. The writer connection runs with
/// `synchronous = NORMAL`, under which SQLite does not fsync at COMMIT; this does it instead, so
/// that commits can choose whether to wait for it:
///
/// - every write but the audit events of reads waits for an fsync that began after its COMMIT
///   (`syncNow`): on disk before the client hears 2xx, as with `synchronous = FULL`;
/// - a batch of read events only does not wait (`request`): the events are in the WAL when the
///   reader is answered (visible to every connection, kept through a crash of the server), and the
///   fsync follows at once; only a power cut or a crash of the machine within that one fsync
///   could lose them.
///
/// One fsync runs at a time; the commits that ask while it runs share the next one.
final class WALSyncer: @unchecked Sendable {
    private let walPath: String
    private let queue = DispatchQueue(label: "clinic.sqlite.wal-sync")
    private let lock = NSLock()
    // Under `lock`. Asks are numbered; a sync covers every ask made before it began.
    private var asked: UInt64 = 0
    private var covered: UInt64 = 0
    private var running = false
    private var waiting: [(ask: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var syncs = 0
    private var hold: Double = 0

    /// Each fsync waits this long first (tests: so that what did not wait for it shows).
    var holdForTests: Double {
        get { lock.lock(); defer { lock.unlock() }; return hold }
        set { lock.lock(); hold = newValue; lock.unlock() }
    }

    init(databasePath: String) {
        walPath = databasePath + "-wal"
    }

    /// After a COMMIT whose caller must not be answered before it is on disk.
    func syncNow() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            lock.lock()
            asked += 1
            waiting.append((asked, continuation))
            let start = !running
            running = true
            lock.unlock()
            if start { queue.async { self.drain() } }
        }
    }

    /// After a COMMIT of read events: synced soon, without the caller waiting.
    func request() {
        lock.lock()
        asked += 1
        let start = !running
        running = true
        lock.unlock()
        if start { queue.async { self.drain() } }
    }

    /// How many fsyncs ran (the tests check that commits not waiting for one still get one).
    var completed: Int {
        lock.lock()
        defer { lock.unlock() }
        return syncs
    }

    /// Waits until every sync asked for has run (the tests; and before the connection closes).
    func settle() {
        while true {
            queue.sync {}
            lock.lock()
            let idle = !running
            lock.unlock()
            if idle { return }
        }
    }

    private func drain() {
        while true {
            lock.lock()
            let covering = asked
            let pause = hold
            lock.unlock()
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
            let failure = syncTheLog()
            lock.lock()
            syncs += 1
            covered = covering
            let done = waiting.filter { $0.ask <= covering }
            waiting.removeAll { $0.ask <= covering }
            let more = asked > covered
            running = more
            lock.unlock()
            for item in done {
                if let failure { item.continuation.resume(throwing: failure) } else { item.continuation.resume() }
            }
            if !more { return }
        }
    }

    /// fsync of the WAL as it is now: it covers every frame written before it starts. SQLite keeps
    /// the file (and reuses it from its start after a checkpoint) while connections are open.
    private func syncTheLog() -> StoreError? {
        let descriptor = open(walPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return .unavailable("cannot open \(walPath) to sync it: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            return .unavailable("fsync of \(walPath) failed: \(String(cString: strerror(errno)))")
        }
        return nil
    }
}
