import AuthExport
import AuthExportSQLite
import Foundation
import Testing

@testable import AuthExportPostgres

/// A failure with a message (thrown from helpers, recorded by the test).
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A temporary directory, removed with ``remove()`` (call it in a `defer`).
struct TempDir {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "authx-pg-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { path + "/" + name }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The throwaway PostgreSQL server of the test run (`scripts/test` starts it and sets `AUTHX_TEST_PG_URL`).
enum TestServer {
    /// The superuser URL; a test FAILS (never skips) when it is missing.
    static func adminURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["AUTHX_TEST_PG_URL"], !url.isEmpty else {
            throw TestFailure(
                "AUTHX_TEST_PG_URL is not set: run the tests with scripts/test, which starts a throwaway PostgreSQL "
                    + "server, or set it to a superuser URL of a disposable server")
        }
        return url
    }

    /// `url` with its database name replaced.
    static func url(_ url: String, database: String) -> String {
        var base = url
        var query = ""
        if let q = base.firstIndex(of: "?") {
            query = String(base[q...])
            base = String(base[..<q])
        }
        guard let scheme = base.firstRange(of: "://") else { return url }
        if let slash = base[scheme.upperBound...].firstIndex(of: "/") {
            base = String(base[..<slash])
        }
        return base + "/" + database + query
    }
}

/// A fresh database for one test, dropped by ``drop()``.
final class TestDatabase {
    let name: String
    let url: String
    private let adminURL: String

    init() throws {
        adminURL = try TestServer.adminURL()
        name = "authx_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        url = TestServer.url(adminURL, database: name)
        let admin = try PGConnection(conninfo: adminURL)
        defer { admin.close() }
        try admin.execute("CREATE DATABASE \(PGConnection.quoteIdentifier(name))")
    }

    func drop() {
        guard let admin = try? PGConnection(conninfo: adminURL) else { return }
        defer { admin.close() }
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(PGConnection.quoteIdentifier(name)) WITH (FORCE)")
    }

    func connect() throws -> PGConnection { try PGConnection(conninfo: url) }

    /// Runs a query and returns its rows as text.
    func rows(_ sql: String, _ parameters: [String?] = []) throws -> [[String?]] {
        let c = try connect()
        defer { c.close() }
        return try c.execute(sql, parameters).rows
    }

    /// The single value of a query.
    func value(_ sql: String, _ parameters: [String?] = []) throws -> String? {
        try rows(sql, parameters).first?.first ?? nil
    }

    /// Runs test setup SQL, which may hold several statements.
    func execute(_ sql: String) throws {
        let c = try connect()
        defer { c.close() }
        try c.executeScript(sql)
    }

    /// A description of everything in the database's user schemas: relations, columns, constraints, schemas and
    /// every row. Equal snapshots mean the database did not change.
    func snapshot() throws -> [String] {
        var lines: [String] = []
        for row in try rows(
            """
            SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1
            """)
        { lines.append("rel " + (row[0] ?? "")) }
        for row in try rows(
            """
            SELECT table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
                || ' ' || coalesce(column_default, '')
            FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1
            """)
        { lines.append("col " + (row[0] ?? "")) }
        for row in try rows(
            "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
                + "WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) ORDER BY 1")
        { lines.append("con " + (row[0] ?? "")) }
        for row in try rows("SELECT nspname FROM pg_namespace ORDER BY 1") { lines.append("nsp " + (row[0] ?? "")) }
        for row in try rows(
            """
            SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables
            WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE' ORDER BY 1
            """)
        {
            guard let table = row[0] else { continue }
            for r in try rows("SELECT t::text FROM \(table) t ORDER BY 1") { lines.append("row \(table) \(r[0] ?? "NULL")") }
        }
        return lines
    }
}

/// Archives for the tests.
enum TestArchives {
    static func header(backend: String = "sqlite") -> ArchiveHeader {
        ArchiveHeader(
            createdAt: "2026-11-25T09:00:00.000000Z", producer: "authx tests",
            source: .init(backend: backend, database: "test.db", serverVersion: "3.40.1"))
    }

    /// Writes an archive of `tables` (schema + rows).
    static func write(_ path: String, _ tables: [(TableSchema, [[Value]])], objects: [SchemaObject] = []) throws {
        var options = ArchiveWriter.Options()
        options.threads = 1
        let writer = try ArchiveWriter(path: path, overwrite: true, header: header(), options: options)
        for (schema, rows) in tables {
            try writer.beginTable(schema)
            for row in rows { try writer.append(row) }
            try writer.endTable()
        }
        for object in objects { try writer.append(object) }
        try writer.finish()
    }

    /// The repository root, found from this file.
    static func repositoryRoot(file: String = #filePath) -> String {
        var url = URL(fileURLWithPath: file)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }

    /// Builds `Fixtures/databases/NAME.sql` into a SQLite file in `dir` and exports it; returns the archive path.
    static func fixtureArchive(_ name: String, in dir: TempDir) throws -> String {
        let sql = try String(contentsOfFile: repositoryRoot() + "/Fixtures/databases/\(name).sql", encoding: .utf8)
        let db = dir.file("\(name).sqlite")
        let connection = try SQLiteConnection(path: db, mode: .create)
        try connection.execute(sql)
        try connection.close()
        return try export(db, in: dir)
    }

    /// Exports a SQLite database with authx's exporter.
    static func export(_ db: String, in dir: TempDir) throws -> String {
        let archive = dir.file(URL(fileURLWithPath: db).deletingPathExtension().lastPathComponent + ".authx.gz")
        var options = SQLiteExportOptions()
        options.threads = 1
        _ = try SQLiteExporter.export(source: db, to: .file(path: archive, overwrite: true), options: options)
        return archive
    }

    /// The third-party SQLite corpus's `pgloader` folder (`AUTHX_CORPUS_DIR`, or `../shared/corpus` beside the
    /// repository); nil where it is absent (the corpus tests then report themselves as not run).
    static let corpusDirectory: String? = {
        let environment = ProcessInfo.processInfo.environment["AUTHX_CORPUS_DIR"]
        let root = repositoryRoot()
        let candidates = [environment, root + "/../shared/corpus", root + "/../../shared/corpus"].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/pgloader") }.map { $0 + "/pgloader" }
    }()
}

/// Compares every value of a restored database with the archive it came from.
enum RestoredData {
    /// Checks that each table of `archive` restored in `schema` of `db` holds exactly the archive's rows, in
    /// order, each value equal to the archive's (compared in canonical text: PostgreSQL's output, normalized).
    static func expectEqual(archive: String, db: TestDatabase, schema: String = "public", tables: Set<String>? = nil)
        throws
    {
        let reader = try ArchiveReader(path: archive)
        let connection = try db.connect()
        defer { connection.close() }
        try connection.execute("SET TimeZone = 'UTC'")
        try connection.execute("SET DateStyle = 'ISO, YMD'")
        try connection.execute("SET extra_float_digits = 3")
        var table: TableSchema?
        var pgRows: [[String?]] = []
        var pgTypes: [String] = []
        var rowIndex = 0
        while let record = try reader.next() {
            switch record {
            case .table(let t):
                guard tables?.contains(t.name) ?? true else {
                    table = nil
                    continue
                }
                table = t
                rowIndex = 0
                let pgName = try IdentifierMap.pgName(t.name, kind: "table")
                let qualified = PGConnection.quoteIdentifier(schema) + "." + PGConnection.quoteIdentifier(pgName)
                pgTypes = []
                var selects: [String] = []
                for column in t.columns {
                    let name = try IdentifierMap.pgName(column.name, kind: "column")
                    let type = try connection.execute(
                        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2",
                        [qualified, name]
                    ).string(0, 0) ?? "?"
                    pgTypes.append(type)
                    let q = PGConnection.quoteIdentifier(name)
                    switch type {
                    case "bytea": selects.append("encode(\(q), 'hex')")
                    // The export compacts json text (its whitespace is not kept): compare the values.
                    case "json": selects.append("\(q)::jsonb::text")
                    case let t where t.hasPrefix("timestamp"): selects.append("to_char(\(q), 'YYYY-MM-DD\"T\"HH24:MI:SS.US')")
                    // The output function keeps char(n)'s padding (a cast to text drops it), as COPY does.
                    case let t where t.hasPrefix("character("): selects.append("CASE WHEN \(q) IS NOT NULL THEN format('%s', \(q)) END")
                    default: selects.append("\(q)::text")
                    }
                }
                pgRows = try connection.execute("SELECT \(selects.joined(separator: ", ")) FROM \(qualified) ORDER BY ctid").rows
            case .row(let values):
                guard let t = table else { continue }
                defer { rowIndex += 1 }
                guard rowIndex < pgRows.count else {
                    Issue.record("table \(t.name): PostgreSQL has \(pgRows.count) rows, the archive more")
                    continue
                }
                for (i, value) in values.enumerated() {
                    let got = pgRows[rowIndex][i]
                    let want = try expected(value, t.columns[i].type, pgTypes[i], connection)
                    let same: Bool
                    if pgTypes[i] == "double precision" || pgTypes[i] == "real", let g = got, let w = want {
                        same = sameDouble(g, w)
                    } else if let g = got, let w = want, t.columns[i].type == .time {
                        same = padFraction(g) == padFraction(w)
                    } else if let g = got, let w = want, t.columns[i].type == .decimal {
                        same = normalizedDecimal(g) == normalizedDecimal(w)
                    } else {
                        same = got == want
                    }
                    #expect(
                        same,
                        "table \(t.name), row \(rowIndex + 1), column \(t.columns[i].name) (\(pgTypes[i])): got \(got ?? "NULL"), want \(want ?? "NULL")")
                }
            case .tableEnd(let end):
                if let t = table {
                    #expect(pgRows.count == Int(end.rows), "table \(t.name): \(pgRows.count) rows restored, \(end.rows) in the archive")
                }
                table = nil
            default:
                continue
            }
        }
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func sameDouble(_ a: String, _ b: String) -> Bool {
        func parse(_ s: String) -> Double? {
            switch s {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: return Double(s)
            }
        }
        guard let x = parse(a), let y = parse(b) else { return a == b }
        if x.isNaN && y.isNaN { return true }
        return x.bitPattern == y.bitPattern
    }

    static func padFraction(_ s: String) -> String {
        guard let dot = s.firstIndex(of: ".") else { return s + ".000000" }
        let fraction = s[s.index(after: dot)...]
        return String(s[..<dot]) + "." + fraction + String(repeating: "0", count: max(0, 6 - fraction.count))
    }

    static func normalizedDecimal(_ s: String) -> String {
        if s == "NaN" || s == "Infinity" || s == "-Infinity" { return s }
        var negative = false
        var text = Substring(s)
        if text.first == "-" {
            negative = true
            text = text.dropFirst()
        }
        var integer = text
        var fraction: Substring = ""
        if let dot = text.firstIndex(of: ".") {
            integer = text[..<dot]
            fraction = text[text.index(after: dot)...]
        }
        while integer.count > 1, integer.first == "0" { integer = integer.dropFirst() }
        if integer.isEmpty { integer = "0" }
        while fraction.last == "0" { fraction = fraction.dropLast() }
        let body = fraction.isEmpty ? String(integer) : integer + "." + fraction
        return (negative && body != "0" ? "-" : "") + body
    }

    /// The archive value as PostgreSQL's text output for a column of type `pgType` (before normalization).
    static func expected(_ value: Value, _ logical: LogicalType, _ pgType: String, _ connection: PGConnection) throws
        -> String?
    {
        if pgType == "bytea" {
            switch value {
            case .null: return nil
            case .bytes(let b), .invalidText(let b): return hex(b)
            case .text(let s): return hex(Array(s.utf8))
            case .integer(let i): return hex(Array(String(i).utf8))
            case .real(let d): return hex(Array(CopyEncoder.realText(d).utf8))
            default: return "?"
            }
        }
        switch value {
        case .null: return nil
        case .boolean(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .real(let d): return CopyEncoder.realText(d)
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        case .invalidText(let b): return String(decoding: b, as: UTF8.self)
        case .json(let s): return try connection.execute("SELECT $1::jsonb::text", [s]).string(0, 0)
        case .text(let s):
            if logical == .timestamp { return padFraction(String(s.dropLast())) }
            return s
        }
    }
}

/// What `information_schema` says about a database's tables: each column's type, length, precision, nullability
/// and default, and each constraint's definition — to compare a PostgreSQL → PostgreSQL restore with its source.
enum CatalogSnapshot {
    /// `table.column` → `data_type udt len prec scale dtprec nullable default identity`.
    static func columns(_ db: TestDatabase, schema: String = "public") throws -> [String: String] {
        let rows = try db.rows(
            """
            SELECT c.table_name || '.' || c.column_name,
                   concat_ws(' | ', c.data_type, c.udt_name, c.character_maximum_length, c.numeric_precision,
                             c.numeric_scale, c.datetime_precision, c.is_nullable, coalesce(c.column_default, '-'),
                             c.is_identity, coalesce(c.identity_generation, '-'))
            FROM information_schema.columns c JOIN information_schema.tables t
              ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
            WHERE c.table_schema = $1
            """, [schema])
        return Dictionary(uniqueKeysWithValues: rows.map { ($0[0] ?? "", $0[1] ?? "") })
    }

    /// `table name type definition` of every constraint (NOT NULL ones are in ``columns(_:schema:)``).
    static func constraints(_ db: TestDatabase, schema: String = "public") throws -> Set<String> {
        Set(
            try db.rows(
                "SELECT conrelid::regclass::text || ' ' || conname || ' ' || contype::text || ' ' || pg_get_constraintdef(oid) "
                    + "FROM pg_constraint WHERE connamespace = $1::regnamespace AND conrelid <> 0", [schema]
            ).map { $0[0] ?? "" })
    }
}
