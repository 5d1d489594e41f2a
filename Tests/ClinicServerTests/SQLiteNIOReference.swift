@testable import ClinicStore
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO

/// A file of its own: SQLiteNIO's `SQLiteDatabase` protocol shares its name with the store's class.
enum SQLiteNIOReference {
    /// The same query through SQLiteNIO (which the store used before `SQLiteQueueConnection`), its
    /// values converted as the store converted them then.
    static func read(_ sql: String, path: String) async throws -> [SQLRow] {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: .singleton, logger: Logger(label: "test"),
                                                         on: MultiThreadedEventLoopGroup.singleton.any())
        let rows: [SQLiteRow]
        do {
            rows = try await connection.query(sql, [])
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        guard let first = rows.first else { return [] }
        let names = SQLColumns(first.columns.map(\.name))
        return rows.map { row in
            SQLRow(columns: names, cells: row.columns.map { column in
                switch column.data {
                case .null: return .null
                case .integer(let i): return .int(Int64(i))
                case .float(let d): return .double(d)
                case .text(let s): return .text(s)
                case .blob(let b): return .text(String(buffer: b))
                }
            })
        }
    }
}
