import Foundation
import Logging

/// Syncs the SQLite write-ahead log to disk in the background, after the commits that did not
/// wait for their own fsync: the batches of the audit events of reads (`appendSyncedLater`), which
/// commit under `synchronous = NORMAL`. Such a commit is in the WAL when the reader is answered
/// (visible to every connection, kept through a crash of the server); this syncs it at once, so
/// only a power cut or a crash of the machine within that one fsync could lose it. Every other
/// write commits under FULL and is synced by SQLite before its answer, as ever.
///
/// One fsync runs at a time; the commits that ask while it runs share the next one.
final class WALSyncer: @unchecked Sendable {
    private let walPath: String
    private let logger: Logger
    private let queue = DispatchQueue(label: "clinic.sqlite.wal-sync")
    private let lock = NSLock()
    // Under `lock`.
    private var running = false
    private var askedAgain = false
    private var syncs = 0
    private var hold: Double = 0

    init(databasePath: String, logger: Logger) {
        walPath = databasePath + "-wal"
        self.logger = logger
    }

    /// After a commit of read events: synced soon, without the caller waiting.
    func request() {
        lock.lock()
        defer { lock.unlock() }
        if running {
            askedAgain = true
            return
        }
        running = true
        queue.async { self.drain() }
    }

    /// How many fsyncs ran (the tests check that commits not waiting for one still get one).
    var completed: Int {
        lock.lock()
        defer { lock.unlock() }
        return syncs
    }

    /// Each fsync waits this long first (tests: so that what did not wait for it shows).
    var holdForTests: Double {
        get { lock.lock(); defer { lock.unlock() }; return hold }
        set { lock.lock(); hold = newValue; lock.unlock() }
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
            let pause = hold
            lock.unlock()
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
            syncTheLog()
            lock.lock()
            syncs += 1
            if askedAgain {
                askedAgain = false
                lock.unlock()
                continue
            }
            running = false
            lock.unlock()
            return
        }
    }

    /// fsync of the WAL as it is now: it covers every frame written before it starts (fsync is per
    /// file, not per descriptor). SQLite keeps the file, and reuses it from its start after a
    /// checkpoint, while connections are open; it locks only the database and `-shm` files, so
    /// opening and closing the log here takes no lock of SQLite's. A failure is logged: the events
    /// stay committed, and the next write's own sync (FULL) covers them or fails that write.
    private func syncTheLog() {
        let descriptor = open(walPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            logger.error("cannot open the WAL to sync the audit events of reads", metadata: ["path": "\(walPath)", "error": "\(String(cString: strerror(errno)))"])
            return
        }
        defer { close(descriptor) }
        if fsync(descriptor) != 0 {
            logger.error("fsync of the WAL failed after audit events of reads", metadata: ["path": "\(walPath)", "error": "\(String(cString: strerror(errno)))"])
        }
    }
}
