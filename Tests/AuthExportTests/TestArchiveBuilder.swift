import Crypto
import Foundation

@testable import AuthExport

/// Builds archives from raw lines, computing checksums, counts and the index, so tests can make archives whose
/// rows the writer would refuse (bad cells, wrong arity) but whose integrity is otherwise intact.
enum TestArchiveBuilder {
    struct Table {
        var name: String
        /// The table record's JSON line.
        var record: String
        /// Row lines, one array per gzip member. A line starting with `{` (an `x-` extension record) is written
        /// as is, and neither counted nor hashed.
        var memberRows: [[String]]
        /// The table_end's checksum instead of the rows' (to make a mismatch).
        var tableEndSHA256: String? = nil
    }

    /// - Parameter endSHA256: the end record's file checksum instead of the file's (to make a mismatch).
    static func build(_ tables: [Table], header: String? = nil, endSHA256: String? = nil) -> [UInt8] {
        let compressor = MemberCompressor(level: 1)
        var file: [UInt8] = []
        func addMember(_ text: String) {
            file += Array(text.utf8).withUnsafeBytes { compressor.member($0) }
        }
        addMember(
            (header
                ?? #"{"kind":"header","format":"auth_export","version":"1.0","created_at":"2026-01-01T00:00:00Z","producer":"test","source":{"backend":"sqlite","database":"t"}}"#)
                + "\n")
        var index: [JSONValue] = []
        var totalRows = 0
        for table in tables {
            let offset = file.count
            var hash = SHA256()
            var rows = 0
            var uncompressed = 0
            for (i, members) in table.memberRows.enumerated() {
                var text = i == 0 ? table.record + "\n" : ""
                for row in members {
                    if row.hasPrefix("{") {
                        text += row + "\n"
                        continue
                    }
                    hash.update(data: Array((row + "\n").utf8))
                    text += row + "\n"
                    rows += 1
                }
                if i == table.memberRows.count - 1 {
                    text += #"{"kind":"table_end","table":"\#(table.name)","rows":\#(rows),"sha256":"\#(table.tableEndSHA256 ?? hex(hash.finalize()))"}"# + "\n"
                }
                uncompressed += text.utf8.count
                addMember(text)
            }
            totalRows += rows
            index.append(
                .object([
                    ("table", .string(table.name)), ("offset", .integer(Int64(offset))),
                    ("compressed_bytes", .integer(Int64(file.count - offset))),
                    ("uncompressed_bytes", .integer(Int64(uncompressed))), ("rows", .integer(Int64(rows))),
                ]))
        }
        let digest = endSHA256 ?? hex(SHA256.hash(data: file))
        let end = JSONValue.object([
            ("kind", "end"), ("tables", .integer(Int64(tables.count))), ("rows", .integer(Int64(totalRows))),
            ("sha256", .string(digest)), ("index", .array(index)),
        ])
        file += Array((end.compactText + "\n").utf8).withUnsafeBytes { GzipMember.storedMember($0) }
        return file
    }
}
