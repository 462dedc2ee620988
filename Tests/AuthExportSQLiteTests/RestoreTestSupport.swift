import AuthExport
import Foundation
import Testing

@testable import AuthExportSQLite

/// A temporary directory for one restore test; call `remove()` in a `defer`.
struct RestoreTempDirectory {
    let path: String

    init() throws {
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("authx-restore-XXXXXX").path
        var bytes = Array(template.utf8CString)
        guard let made = bytes.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw RestoreTestFailure("mkdtemp failed")
        }
        path = String(cString: made)
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    /// The names of the files in the directory (hidden ones included), sorted.
    func listing() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A test failure with a message.
struct RestoreTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One stored SQLite value, compared bit for bit (a REAL by its bit pattern, so -0.0 and 0.0 differ).
enum StoredCell: Hashable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(UInt64)
    case text([UInt8])
    case blob([UInt8])

    init(_ value: SQLiteValue) {
        switch value {
        case .null: self = .null
        case .integer(let i): self = .integer(i)
        case .real(let d): self = .real(d.bitPattern)
        case .text(let b): self = .text(b)
        case .blob(let b): self = .blob(b)
        }
    }

    /// A total order on rows: cell by cell, storage class first, then the value (bit pattern for REAL, bytes).
    static func precedes(_ a: [StoredCell], _ b: [StoredCell]) -> Bool {
        for (x, y) in zip(a, b) where x != y {
            if x.rank != y.rank { return x.rank < y.rank }
            switch (x, y) {
            case (.integer(let p), .integer(let q)): return p < q
            case (.real(let p), .real(let q)): return p < q
            case (.text(let p), .text(let q)), (.blob(let p), .blob(let q)): return p.lexicographicallyPrecedes(q)
            default: return false
            }
        }
        return a.count < b.count
    }

    private var rank: Int {
        switch self {
        case .null: return 0
        case .integer: return 1
        case .real: return 2
        case .text: return 3
        case .blob: return 4
        }
    }

    /// `typeof()` of the value.
    var storageClass: String {
        switch self {
        case .null: return "null"
        case .integer: return "integer"
        case .real: return "real"
        case .text: return "text"
        case .blob: return "blob"
        }
    }

    var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let i): return "\(i)"
        case .real(let bits): return "\(Double(bitPattern: bits))r"
        case .text(let b): return "'\(String(decoding: b.prefix(60), as: UTF8.self))'" + (b.count > 60 ? "…" : "")
        case .blob(let b): return "x(\(b.count) bytes)"
        }
    }
}

/// Everything a restore must reproduce of a SQLite database: its schema SQL, its AUTOINCREMENT counters, and each
/// table's rows with every value's storage class and bytes, in rowid (or primary key) order.
struct DatabaseSnapshot: Equatable {
    /// `type | name | tbl_name | sql` of every schema object, sorted; an index SQLite made for a PRIMARY KEY or
    /// UNIQUE constraint (no sql) is described by its origin and key columns (name, DESC, collation).
    var schema: [String]
    /// Table name → rows.
    var tables: [String: [[StoredCell]]]

    init(path: String) throws {
        let connection = try SQLiteConnection(path: path, mode: .readOnly)
        defer { try? connection.close() }
        schema = try connection.query(
            "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_stat%' ORDER BY type, name"
        ).map { row in row.map { $0.string ?? "" }.joined(separator: " | ") }
        for row in try connection.query(
            "SELECT name, tbl_name FROM sqlite_schema WHERE type = 'index' AND sql IS NULL ORDER BY name")
        {
            guard let name = row[0].string, let table = row[1].string else { continue }
            let origin = try connection.query(
                "SELECT origin, \"unique\" FROM pragma_index_list(?) WHERE name = ?", [row[1], row[0]]
            ).first.map { "\($0[0].string ?? "?") unique=\($0[1].integer ?? -1)" } ?? "not in pragma_index_list"
            let keys = try connection.query(
                "SELECT name, \"desc\", coll FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno", [row[0]]
            ).map { "\($0[0].string ?? "?") desc=\($0[1].integer ?? -1) \($0[2].string ?? "?")" }
            schema.append("index | \(name) | \(table) | \(origin): " + keys.joined(separator: ", "))
        }
        schema.sort()
        tables = [:]
        let names = try connection.query(
            "SELECT name, (SELECT wr FROM pragma_table_list WHERE schema = 'main' AND pragma_table_list.name = s.name) "
                + "FROM sqlite_schema s WHERE type = 'table' AND name NOT LIKE 'sqlite_stat%'")
        for row in names {
            guard let name = row[0].string else { continue }
            let quoted = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            let withoutRowID = row[1].integer == 1
            let order = withoutRowID ? "" : " ORDER BY rowid"
            let statement = try connection.prepare("SELECT * FROM \(quoted)\(order)")
            var rows: [[StoredCell]] = []
            while try statement.step() {
                rows.append((0..<statement.columnCount).map { StoredCell(statement.value(at: $0)) })
            }
            // Rows compare as a multiset: a table without an INTEGER PRIMARY KEY has no row identity SQLite keeps
            // (its rowids change on VACUUM, and `sqlite3 .dump` does not keep them), and sqlite_sequence's row order
            // is the order tables first got rows.
            rows.sort { StoredCell.precedes($0, $1) }
            tables[name] = rows
        }
    }

    /// A readable list of the first differences with `other`, empty when equal.
    func differences(from other: DatabaseSnapshot) -> [String] {
        var out: [String] = []
        if schema != other.schema {
            out.append(
                "schema differs:\n  " + schema.joined(separator: "\n  ") + "\nvs\n  "
                    + other.schema.joined(separator: "\n  "))
        }
        for name in Set(tables.keys).union(other.tables.keys).sorted() {
            let a = tables[name] ?? []
            let b = other.tables[name] ?? []
            if tables[name] == nil || other.tables[name] == nil {
                out.append("table \(name) only in one database")
                continue
            }
            if a.count != b.count { out.append("table \(name): \(a.count) rows vs \(b.count)") }
            for (i, (ra, rb)) in zip(a, b).enumerated() where ra != rb {
                for (c, (va, vb)) in zip(ra, rb).enumerated() where va != vb {
                    out.append(
                        "table \(name) row \(i + 1) column \(c): \(va.storageClass) \(va) vs \(vb.storageClass) \(vb)")
                }
                if out.count > 20 { return out }
            }
        }
        return out
    }
}

enum RestoreTestSupport {
    /// The repository root, found from this file's path.
    static func repositoryRoot(file: String = #filePath) -> String {
        var url = URL(fileURLWithPath: file)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }

    /// Creates a SQLite database at `path` by running `sql` through the SQLite C API.
    static func makeDatabase(at path: String, _ sql: String) throws {
        let connection = try SQLiteConnection(path: path, mode: .create)
        try connection.execute(sql)
        try connection.close()
    }

    /// Builds `Fixtures/databases/NAME.sql` into `dir/NAME.sqlite` and returns its path.
    static func makeFixtureDatabase(_ name: String, in dir: RestoreTempDirectory) throws -> String {
        let script = try String(
            contentsOfFile: "\(repositoryRoot())/Fixtures/databases/\(name).sql", encoding: .utf8)
        let path = dir.file("\(name).sqlite")
        try makeDatabase(at: path, script)
        return path
    }

    /// A header for a test archive.
    static func header(backend: String, database: String = "test") -> ArchiveHeader {
        ArchiveHeader(
            createdAt: "2026-01-01T00:00:00.000000Z", producer: "authx-tests",
            source: .init(backend: backend, database: database, serverVersion: backend == "sqlite" ? "3.40.1" : "15.4"))
    }

    /// Writes an archive with `ArchiveWriter`: each table with its rows, then the objects.
    static func writeArchive(
        at path: String, backend: String, tables: [(TableSchema, [[Value]])], objects: [SchemaObject] = []
    ) throws {
        var options = ArchiveWriter.Options()
        options.threads = 1
        let writer = try ArchiveWriter(path: path, overwrite: false, header: header(backend: backend), options: options)
        for (schema, rows) in tables {
            try writer.beginTable(schema)
            for row in rows { try writer.append(row) }
            try writer.endTable()
        }
        for object in objects { try writer.append(object) }
        _ = try writer.finish()
    }

    /// Runs one query on a database and returns its rows.
    static func query(_ path: String, _ sql: String) throws -> [[SQLiteValue]] {
        let connection = try SQLiteConnection(path: path, mode: .readOnly)
        defer { try? connection.close() }
        return try connection.query(sql)
    }

    /// Each value of the query's rows with its storage class, such as `integer:1` or `text:abc`.
    static func typed(_ path: String, _ sql: String) throws -> [[String]] {
        try query(path, sql).map { row in
            row.map { value in
                switch value {
                case .null: return "null"
                case .integer(let i): return "integer:\(i)"
                case .real(let d): return "real:\(d)"
                case .text(let b): return "text:" + String(decoding: b, as: UTF8.self)
                case .blob(let b): return "blob:" + b.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
                }
            }
        }
    }

    /// The permission bits of a file.
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int) ?? -1
    }
}
