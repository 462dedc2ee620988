import AuthExport
import AuthExportPostgres
import AuthExportSQLite
import Crypto
import Foundation

/// Runs one input through every offline consumer of an archive: the verifier, the index listing (`inspect`), the
/// SQLite restore and the PostgreSQL plan. Each must return or throw a typed error; a crash, a hang or a memory
/// error is a bug. So is a disagreement: the verifier calling an archive valid that the SQLite restore rejects,
/// or the other way round.
///
/// An input that starts with the gzip magic is used as the archive file as is (this explores the framing). Any
/// other input is taken as the archive's *text*, framed the way a writer would (``framed(text:)``): members cut
/// along the layout rules, and every checksum, count and index entry recomputed, so that mutations reach the
/// JSON, schema, value and key checks instead of stopping at a checksum.
enum ArchiveFuzzing {
    /// Where each input is written for the consumers that read a file.
    static let scratch: String = {
        let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return "\(dir)/authx-fuzz-\(getpid())"
    }()

    /// Returns what the verifier and the SQLite restore said, for the replay mode's output.
    @discardableResult
    static func run(_ input: [UInt8]) -> String {
        // (AUTHX_FUZZ_PG_URL: each input is also restored into a new schema of that server, and a disagreement
        // with the verifier is printed rather than fatal: a valid archive can hold what PostgreSQL refuses.)
        let archive = input.starts(with: [0x1F, 0x8B]) ? input : framed(text: input)
        let path = scratch + ".authx.gz"
        let database = scratch + ".db"
        guard FileManager.default.createFile(atPath: path, contents: Data(archive)) else {
            fatalError("cannot write \(path)")
        }
        defer {
            unlink(path)
            unlink(database)
        }
        var options = ArchiveVerifier.Options()
        options.checkKeys = true
        let report = try? ArchiveVerifier(bytes: archive, options: options).run()
        _ = try? ArchiveListing(path: path)
        var sqlite = SQLiteRestoreOptions()
        sqlite.overwrite = true
        let restored: Result<SQLiteRestoreSummary, any Error> = Result {
            try SQLiteRestore.restore(archive: path, to: database, options: sqlite)
        }
        _ = try? PostgresRestore.plan(archive: path)
        let postgres = postgresURL.map { url in
            Result { () throws -> PostgresRestore.Summary in
                postgresRuns += 1
                var options = PostgresRestore.Options()
                options.schema = "fuzz_\(getpid())_\(postgresRuns)"
                options.analyze = false
                return try PostgresRestore.restore(archive: path, to: url, options: options)
            }
        }

        if let report {
            switch (report.isValid, restored) {
            case (false, .success):
                fatalError("verify: INVALID (\(report.problems.map(\.description))) but the SQLite restore succeeded")
            case (true, .failure(let error)):
                // A valid archive may still hold what SQLite cannot store (NaN), or SQL texts the loader must
                // refuse (spec §12: "SQL texts are code"; the valid fixture hostile-sql-texts) or whose CHECKs
                // the rows fail: the verifier does not interpret SQL. Any other archive error is a disagreement.
                if let error = error as? ArchiveError,
                    [.io, .invalidValue, .unsupportedValue].contains(error.code) || error.message.lowercased().contains("sql")
                        || error.message.contains("CREATE statement")
                { break }
                fatalError("verify: valid but the SQLite restore failed: \(error)")
            default:
                break
            }
        }
        var pgVerdict = ""
        if let postgres, let report {
            switch (report.isValid, postgres) {
            case (false, .success):
                pgVerdict = "; DISAGREE: PostgreSQL restore succeeded"
            case (true, .failure(let error)):
                pgVerdict = "; DISAGREE: PostgreSQL restore failed: \(error)"
            default:
                break
            }
        }
        let verdict = report.map { $0.isValid ? "valid" : "invalid: \($0.problems.first.map(\.description) ?? "incomplete")" }
        switch restored {
        case .success: return "verify \(verdict ?? "failed"); SQLite restore succeeded\(pgVerdict)"
        case .failure(let error): return "verify \(verdict ?? "failed"); SQLite restore failed: \(error)\(pgVerdict)"
        }
    }

    /// A PostgreSQL server to restore every input into as well (replay mode; `AUTHX_FUZZ_PG_URL`).
    static let postgresURL = ProcessInfo.processInfo.environment["AUTHX_FUZZ_PG_URL"]
    nonisolated(unsafe) static var postgresRuns = 0

    // MARK: - Framing

    /// The archive whose text is `text`, laid out as a writer would: the first line alone in member 0; a new
    /// member at each table line and after each table_end line (or past 64 KiB); the last line alone in a
    /// canonical end member. Each table_end's `rows` and `sha256`, and the end line's `tables`, `rows`, `sha256`
    /// and `index` are replaced by the values this layout gives, where those fields exist.
    static func framed(text: [UInt8]) -> [UInt8] {
        var lines = text.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) + [0x0A] }
        if text.last == 0x0A || text.isEmpty { lines.removeLast() }
        guard let endLine = lines.popLast() else { return [] }

        var out: [UInt8] = []
        var member: [UInt8] = []
        func closeMember() {
            guard !member.isEmpty else { return }
            member.withUnsafeBytes { out += GzipMember.storedMember($0) }
            member.removeAll(keepingCapacity: true)
        }
        struct Table { var name: [UInt8]; var offset: Int; var bytes = 0; var text = 0; var rows = 0 }
        var tables: [Table] = []
        var hasher = SHA256()
        var totalRows = 0
        var inTable = false

        for (number, line) in lines.enumerated() {
            let isTable = line.starts(with: Array(#"{"kind":"table","#.utf8))
            let isTableEnd = line.starts(with: Array(#"{"kind":"table_end","#.utf8))
            if isTable {
                closeMember()
                tables.append(Table(name: field("name", in: line) ?? Array(#""""#.utf8), offset: out.count))
                hasher = SHA256()
                inTable = true
            }
            var line = line
            if isTableEnd, let table = tables.last {
                line = replacing("rows", with: Array(String(table.rows).utf8), in: line)
                line = replacing("sha256", with: quotedHex(hasher.finalize()), in: line)
            } else if line.first == UInt8(ascii: "["), !tables.isEmpty {
                hasher.update(data: line)
                tables[tables.count - 1].rows += 1
                totalRows += 1
            }
            member += line
            if inTable { tables[tables.count - 1].text += line.count }
            if isTableEnd { inTable = false }
            if number == 0 || isTableEnd || member.count >= 65_536 {
                closeMember()
                if isTableEnd, !tables.isEmpty { tables[tables.count - 1].bytes = out.count - tables[tables.count - 1].offset }
            }
        }
        closeMember()

        var end = endLine
        let index = tables.map { table in
            #"{"table":"#.utf8 + table.name + #","offset":\#(table.offset),"compressed_bytes":\#(table.bytes),"#.utf8
                + #""uncompressed_bytes":\#(table.text),"rows":\#(table.rows)}"#.utf8
        }
        end = replacing("tables", with: Array(String(tables.count).utf8), in: end)
        end = replacing("rows", with: Array(String(totalRows).utf8), in: end)
        end = replacing("sha256", with: quotedHex(SHA256.hash(data: out)), in: end)
        end = replacing("index", with: Array("[".utf8) + Array(index.joined(separator: ",".utf8)) + Array("]".utf8), in: end)
        end.withUnsafeBytes { out += GzipMember.storedMember($0) }
        return out
    }

    static func quotedHex(_ digest: some Digest) -> [UInt8] {
        Array(("\"" + digest.map { String(format: "%02x", $0) }.joined() + "\"").utf8)
    }

    /// The raw JSON value of the first top-level-looking `"key":` in `line` (no parsing of the rest of the line).
    static func field(_ key: String, in line: [UInt8]) -> [UInt8]? {
        valueRange(key, in: line).map { Array(line[$0]) }
    }

    static func replacing(_ key: String, with value: [UInt8], in line: [UInt8]) -> [UInt8] {
        guard let range = valueRange(key, in: line) else { return line }
        var line = line
        line.replaceSubrange(range, with: value)
        return line
    }

    /// The bytes of the JSON value after the first occurrence of `"key":`: a string, a number, a literal, or an
    /// array/object up to its matching bracket.
    static func valueRange(_ key: String, in line: [UInt8]) -> Range<Int>? {
        let needle = Array("\"\(key)\":".utf8)
        guard let start = line.firstRange(of: needle)?.upperBound, start < line.count else { return nil }
        var i = start
        var depth = 0
        var inString = false
        while i < line.count {
            let byte = line[i]
            if inString {
                if byte == UInt8(ascii: "\\") { i += 1 } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { return start..<(i + 1) }
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    if depth == 0 { return start..<i }
                    depth -= 1
                    if depth == 0 { return start..<(i + 1) }
                case UInt8(ascii: ","), 0x0A:
                    if depth == 0 { return start..<i }
                default: break
                }
            }
            i += 1
        }
        return nil
    }
}
