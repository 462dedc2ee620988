import AuthExport
import Foundation
import Testing

@testable import AuthExportSQLite

/// An archive's contents read independently of the library's reader: `gzip -dc` and `JSONSerialization`
/// (a second implementation, so a writer bug cannot hide behind a matching reader bug).
struct ExportArchiveDump {
    struct Table {
        var name: String
        var record: [String: Any]
        var columns: [Column]
        var rows: [[Value]]
        var end: [String: Any]
    }

    var header: [String: Any]
    var tables: [Table]
    var objects: [[String: Any]]
    var end: [String: Any]

    /// The table named `name`.
    func table(_ name: String) throws -> Table {
        guard let table = tables.first(where: { $0.name == name }) else {
            throw TestFailure("no table \(name) in archive")
        }
        return table
    }

    /// Reads the archive at `path`.
    init(path: String) throws {
        let text = try ExportTestSupport.run("/bin/gzip", ["-dc", path])
        var header: [String: Any] = [:]
        var tables: [Table] = []
        var objects: [[String: Any]] = []
        var end: [String: Any] = [:]
        var current: Table?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            if line.first == "[" {
                guard var table = current else { throw TestFailure("row outside a table") }
                let cells = try ExportArchiveDump.cells(Array(line.utf8))
                guard cells.count == table.columns.count else { throw TestFailure("row arity \(cells.count)") }
                table.rows.append(try zip(cells, table.columns).map { try ExportArchiveDump.value($0, $1) })
                current = table
                continue
            }
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
            guard let record = json as? [String: Any], let kind = record["kind"] as? String else {
                throw TestFailure("not a record: \(line.prefix(80))")
            }
            switch kind {
            case "header": header = record
            case "table":
                let columns = try (record["columns"] as? [[String: Any]] ?? []).map { c -> Column in
                    guard let name = c["name"] as? String, let typeName = c["type"] as? String,
                        let type = LogicalType(rawValue: typeName)
                    else { throw TestFailure("bad column \(c)") }
                    return Column(
                        name: name, type: type, nullable: c["nullable"] as? Bool ?? true,
                        sourceType: c["source_type"] as? String,
                        encoding: (c["encoding"] as? String).map(ColumnEncoding.init(rawValue:)),
                        timeZone: c["time_zone"] as? String, offset: c["offset"] as? String,
                        autoIncrement: c["auto_increment"] as? Bool ?? false)
                }
                current = Table(
                    name: record["name"] as? String ?? "", record: record, columns: columns, rows: [], end: [:])
            case "table_end":
                guard var table = current else { throw TestFailure("table_end outside a table") }
                table.end = record
                tables.append(table)
                current = nil
            case "object": objects.append(record)
            case "end": end = record
            default: throw TestFailure("unknown record kind \(kind)")
            }
        }
        self.header = header
        self.tables = tables
        self.objects = objects
        self.end = end
    }

    /// The cells of a row line, parsed with the format's own scanner (order-preserving, exact numbers).
    static func cells(_ line: [UInt8]) throws -> [JSONValue] {
        try line.withUnsafeBytes { bytes in
            var scanner = JSONScanner(bytes, maxDepth: 256)
            guard case .array(let cells) = try scanner.parseValue() else { throw TestFailure("row is not an array") }
            return cells
        }
    }

    /// A JSON cell as a ``Value`` of the column's type.
    static func value(_ cell: JSONValue, _ column: Column) throws -> Value {
        if case .null = cell { return .null }
        switch (column.type, cell) {
        case (.boolean, .bool(let b)): return .boolean(b)
        case (.integer, .integer(let i)): return .integer(i)
        case (.real, _): return .real(try real(cell))
        case (.bytes, .string(let s)): return .bytes(try base64(s))
        case (.json, _):
            if case .object(let members) = cell, members.count == 1, members[0].0 == "$" {
                return .json(members[0].1.compactText)
            }
            return .json(cell.compactText)
        case (.any, .array(let pair)):
            guard pair.count == 2, case .string(let tag) = pair[0] else {
                throw TestFailure("\(column.name): bad any cell")
            }
            switch (tag, pair[1]) {
            case ("integer", .integer(let i)): return .integer(i)
            case ("real", let v): return .real(try real(v))
            case ("text", .string(let s)): return .text(s)
            case ("bytes", .string(let s)): return .bytes(try base64(s))
            case ("text_bytes", .string(let s)): return .invalidText(try base64(s))
            default: throw TestFailure("\(column.name): unknown any cell \(tag)")
            }
        case (_, .string(let s)) where [.text, .decimal, .uuid, .timestamp, .date, .time].contains(column.type):
            return .text(s)
        default:
            throw TestFailure("\(column.name): cell \(cell) does not fit type \(column.type)")
        }
    }

    static func real(_ cell: JSONValue) throws -> Double {
        switch cell {
        case .integer(let i): return Double(i)
        case .double(let d): return d
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        default: throw TestFailure("bad real \(cell)")
        }
    }

    static func base64(_ s: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: s) else { throw TestFailure("not base64") }
        return Array(data)
    }
}

/// The source database's values as the sqlite3 command-line tool prints them with `-json`: storage class
/// (`typeof`) and an unambiguous spelling (integers as numbers, reals as `%!.20e`, text and blobs as hex).
enum SQLiteJSONOracle {
    struct Cell: Equatable, CustomStringConvertible {
        var storageClass: String
        var value: String
        var description: String { "\(storageClass):\(value)" }
    }

    /// Every row of `table`, in the exporter's order, through `sqlite3 -json`.
    static func rows(database: String, table: SourceTable) throws -> [[Cell]] {
        let quote = SQLStatementText.quote
        var parts: [String] = []
        for (i, column) in table.columns.enumerated() {
            let c = quote(column.name)
            parts.append("typeof(\(c)) AS \"t\(i)\"")
            parts.append(
                "CASE typeof(\(c)) WHEN 'real' THEN printf('%!.20e', \(c)) WHEN 'integer' THEN CAST(\(c) AS TEXT) "
                    + "WHEN 'null' THEN '' ELSE hex(\(c)) END AS \"v\(i)\"")
        }
        var sql = TableExporter.selectSQL(table).sql
        // Replace the select list, keep FROM … ORDER BY ….
        guard let from = sql.range(of: " FROM ") else { throw TestFailure("unexpected select \(sql)") }
        sql = "SELECT " + parts.joined(separator: ", ") + String(sql[from.lowerBound...])
        let output = try ExportTestSupport.sqlite3(["-json", database, sql])
        if output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [] }
        guard let objects = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]] else {
            throw TestFailure("sqlite3 -json output is not an array of objects")
        }
        return objects.map { object in
            table.columns.indices.map { i in
                Cell(storageClass: object["t\(i)"] as? String ?? "?", value: object["v\(i)"] as? String ?? "")
            }
        }
    }

    /// The same spelling for a value the archive gives back, turned into the stored SQLite value.
    static func cell(_ value: SQLiteValue) -> Cell {
        func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02X", $0) }.joined() }
        switch value {
        case .null: return Cell(storageClass: "null", value: "")
        case .integer(let i): return Cell(storageClass: "integer", value: String(i))
        case .real(let d):
            return Cell(
                storageClass: "real", value: d.isInfinite ? (d < 0 ? "-Inf" : "Inf") : String(format: "%.20e", d))
        case .text(let b): return Cell(storageClass: "text", value: hex(b))
        case .blob(let b): return Cell(storageClass: "blob", value: hex(b))
        }
    }

    /// Whether two cells denote the same stored value (reals compared as numbers).
    static func same(_ a: Cell, _ b: Cell) -> Bool {
        guard a.storageClass == b.storageClass else { return false }
        if a.storageClass == "real", let x = Double(a.value.replacingOccurrences(of: "Inf", with: "inf")),
            let y = Double(b.value.replacingOccurrences(of: "Inf", with: "inf"))
        {
            return x == y
        }
        return a.value == b.value
    }
}

/// Independent integrity checks of an archive file (gzip framing, checksums, counts), with command-line tools.
enum ArchiveCheck {
    /// Checks: every gzip member decompresses (`gzip -t`); the `.sha256` file matches the file; the end record's
    /// sha256 covers every byte before the end member; each table_end's sha256 and row count match its rows.
    static func verify(_ path: String) throws {
        // The library's verifier (authx verify --keys): integrity and conformance of every row, and keys (the
        // source databases hold no duplicate key and no dangling reference, so none may be reported).
        var options = ArchiveVerifier.Options()
        options.checkKeys = true
        let report = try ArchiveVerifier(path: path, options: options).run()
        guard report.isValid else {
            throw TestFailure("authx verify: \(report.problems.map(\.description).joined(separator: "; "))")
        }
        // And independently, with command-line tools.
        _ = try ExportTestSupport.run("/bin/gzip", ["-t", path])
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let whole = try sha256(data)
        let sidecar = try String(contentsOfFile: path + ".sha256", encoding: .utf8)
        guard sidecar == "\(whole)  \((path as NSString).lastPathComponent)\n" else {
            throw TestFailure("sidecar \(sidecar) does not match \(whole)")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        guard (attributes[.posixPermissions] as? Int) == 0o600 else { throw TestFailure("archive mode is not 0600") }
        // The end member is stored blocks: 20-byte header, 5 bytes per block, the end line, 8-byte trailer.
        let bytes = [UInt8](data)
        let isize =
            Int(bytes[bytes.count - 4]) | Int(bytes[bytes.count - 3]) << 8 | Int(bytes[bytes.count - 2]) << 16
            | Int(bytes[bytes.count - 1]) << 24
        let blocks = max(1, (isize + 65_534) / 65_535)
        let endMember = 20 + blocks * 5 + isize + 8
        let dump = try ExportArchiveDump(path: path)
        guard let endSHA = dump.end["sha256"] as? String,
            try sha256(data.prefix(bytes.count - endMember)) == endSHA
        else { throw TestFailure("end record sha256 does not cover the bytes before the end member") }
        let text = try ExportTestSupport.run("/bin/gzip", ["-dc", path])
        var rowLines: [String: [Substring]] = [:]
        var current: String?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("[") {
                if let current { rowLines[current, default: []].append(line) }
            } else if line.hasPrefix("{\"kind\":\"table\"") {
                current = dump.tables[rowLines.count].name
                rowLines[current ?? ""] = []
            }
        }
        for table in dump.tables {
            let lines = rowLines[table.name] ?? []
            guard table.end["rows"] as? Int == lines.count else { throw TestFailure("\(table.name): count mismatch") }
            let joined = Data(lines.map { $0 + "\n" }.joined().utf8)
            guard try sha256(joined) == table.end["sha256"] as? String else {
                throw TestFailure("\(table.name): table checksum mismatch")
            }
        }
    }

    static func sha256(_ data: Data) throws -> String {
        let directory = try ExportTempDirectory("authx-sha")
        defer { directory.remove() }
        let file = directory.file("data")
        try data.write(to: URL(fileURLWithPath: file))
        let output = try ExportTestSupport.run("/usr/bin/sha256sum", [file])
        return String(output.prefix(64))
    }
}
