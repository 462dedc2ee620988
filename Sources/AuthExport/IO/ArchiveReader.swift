#if canImport(Glibc)
import Glibc
#endif
import Crypto

/// Reads an archive record by record, checking everything as it streams.
///
/// Every record it returns has passed the checks that can be made at that point: gzip framing and CRC, JSON
/// syntax and limits, record order, row arity, each cell's logical type and nullability. A table's row count and
/// checksum are checked at its `table_end`, the file checksum and index at `end`; a file that stops before its
/// `end` record is reported as truncated. Memory is bounded by the largest gzip member, not the archive size.
///
/// ```swift
/// let reader = try ArchiveReader(path: "app.authx.gz")
/// while let record = try reader.next() {
///     if case .row(let values) = record { print(values.count) }
/// }
/// ```
///
/// Spec: spec/FORMAT.md#reading
public final class ArchiveReader {
    /// Limits a reader enforces so a hostile file cannot exhaust memory.
    public struct Options: Sendable {
        /// The longest line accepted, in bytes (default 64 MiB).
        public var maxLineBytes: Int = ReaderLimits.defaultMaxLineBytes
        /// The deepest JSON nesting accepted (default 128).
        public var maxDepth: Int = ReaderLimits.defaultMaxDepth
        /// Threads that inflate members (and, when verifying, check rows) ahead of the reader. With more than one,
        /// a regular file is read in parallel; standard input is always read on the calling thread. Default 1.
        public var threads: Int = 1
        /// With more than one thread, whether the workers also check each member's rows against its table (from
        /// the archive's index). That saves the reader the work when it only validates rows (verification); a
        /// reader that decodes every row itself (a restore) turns it off, so no row is parsed twice.
        package var workersCheckRows = true
        /// Sees every byte of the file as it is read and judges them once the `end` record is checked, before the
        /// reader returns it (a detached signature checked as a pipe streams). Default: none.
        public var byteCheck: (any ArchiveByteCheck)?
        /// Keys for an age-encrypted archive (file or stream), which is then read as if it were plain. Without it
        /// (or when none of its keys fits) an encrypted archive is an error with code `.noIdentity`.
        /// Spec: spec/FORMAT.md#14-encrypted-archives
        public var decryption: ArchiveDecryption?
        /// Creates the default options.
        public init() {}

        /// For a reader that decodes every row itself (a restore): a regular file's members are inflated on a
        /// second thread when there are two CPUs or more, and the workers do not check rows as well.
        package static var decodingEveryRow: Options {
            var options = Options()
            options.threads = min(2, ProcessInfoCPU.count)
            options.workersCheckRows = false
            return options
        }
    }

    let members: any MemberSource
    private let options: Options
    private let path: String
    /// When false, rows are validated but not turned into values (verification).
    package var materializeRows = true
    /// For ``next(rowsInto:)``: when set, only the columns it marks true are handed to the sink as read; the
    /// others are validated all the same and handed over as `.null`. Set per table (by column position).
    package var viewedColumns: [Bool]?

    private var lineStart = 0
    private var lineNumber: Int64 = 0
    private var seenHeader = false
    private var finished = false
    private var inObjects = false
    private var currentTable: TableSchema?
    /// Whether a table's rows are being read (`currentTable != nil`, tested per line without copying the schema).
    private var inTable = false
    /// The current table's checksum: its row lines, newlines included, handed over a run of lines at a time.
    private let tableHash: DigestStream
    /// Where the run of row lines not yet handed to ``tableHash`` starts in the current member's content.
    private var hashRunStart: Int?
    private var tableRows: Int64 = 0
    private var tableFirstOffset: Int64 = 0
    private var tableCompressed: Int64 = 0
    private var tableUncompressed: Int64 = 0
    private var totalRows: Int64 = 0
    private var index: [ArchiveEnd.IndexEntry] = []
    private var tableNames = Set<String>()
    private var memberLineIndex = 0
    private var rowDecoder: RowDecoder?
    /// Space for the cells a row sink gets that are not views of the line.
    private var scratch = ByteBuffer()
    /// The current member's worker-side row check results, when they used the current table's schema: `nil`
    /// before the first row of a member (decided once per member, not per row), `.some(nil)` when they do not apply.
    private var memberRowFailures: [Int: RowFailure]??

    /// Where in the member's content the last line read is.
    private var lastLine: Range<Int>?

    /// The header, once read.
    public private(set) var header: ArchiveHeader?
    /// Where the last record returned (or the failure) is.
    public private(set) var location: ArchiveError.Location

    /// Opens an archive file; `"-"` reads standard input.
    ///
    /// - Throws: `ArchiveError` `.io` if the file cannot be opened.
    public convenience init(path: String, options: Options = Options()) throws {
        try self.init(path: path, options: options, listing: nil)
    }

    /// Opens an archive file as ``init(path:options:)`` does, with its listing when the caller has already read
    /// it (so that the index and the first member of each table are not read and inflated twice).
    package init(path: String, options: Options, listing known: ArchiveListing?) throws {
        self.path = path
        self.options = options
        self.tableHash = DigestStream(background: options.threads > 1)
        let maxMember = options.maxLineBytes + ReaderLimits.memberTarget
        var randomAccess = options.threads > 1 && path != "-"
            ? try ArchiveInput.openRandomAccess(path: path, decryption: options.decryption) : nil
        if let input = randomAccess, input.encryption != nil, options.byteCheck != nil {
            // A check of the file's bytes sees the ciphertext in order: an encrypted file is then read as a stream.
            input.close()
            randomAccess = nil
        }
        if let input = randomAccess {
            // The index, when readable, tells which table each member belongs to, so workers can check rows.
            // It is only a hint: every record is still checked in order, and the index itself at the end.
            var starts: [Int64: TableSchema] = [:]
            if options.workersCheckRows,
                let listing = known ?? (try? ArchiveListing(input: input, path: path, options: options))
            {
                for (schema, entry) in listing.tables { starts[entry.offset] = schema }
            }
            self.members = ParallelMemberSource(
                path: path, input: input, maxMemberSize: maxMember, maxDepth: options.maxDepth, tableStarts: starts,
                threads: options.threads, observer: options.byteCheck)
        } else {
            self.members = try MemberReader(
                path: path, maxMemberSize: maxMember, decryption: options.decryption, observer: options.byteCheck)
        }
        self.location = .init(path: path)
    }

    deinit {
        members.close()
        tableHash.close()
    }

    /// Reads an archive held in memory (for tests and fuzzing).
    package init(bytes: [UInt8], name: String = "<memory>", options: Options = Options()) {
        self.path = name
        self.options = options
        self.tableHash = DigestStream(background: options.threads > 1)
        self.members = MemberReader(
            bytes: bytes, name: name, maxMemberSize: options.maxLineBytes + ReaderLimits.memberTarget,
            observer: options.byteCheck)
        self.location = .init(path: name)
    }

    /// Bytes of the file consumed so far.
    public var bytesRead: Int64 { members.memberEnd }

    /// The current table's schema while reading its rows.
    public var table: TableSchema? { currentTable }

    private func fail(_ code: ArchiveError.Code, _ message: String, column: String? = nil) -> ArchiveError {
        var l = location
        l.column = column
        return ArchiveError(code, message, location: l)
    }

    /// Returns the next record, or nil after the `end` record.
    ///
    /// - Throws: `ArchiveError` describing the first problem, with its location. After an error the reader
    ///   must not be used again.
    public func next() throws -> ArchiveRecord? {
        var unused = DiscardingSink()
        return try read(&unused, viewing: false)
    }

    /// Returns the next record like ``next()``, but hands the cells of a row to `sink` as they are read and
    /// validated, without building values: the record returned for a row is then `.row([])`.
    ///
    /// - Throws: `ArchiveError` as ``next()`` does; the sink's errors with the location (line, table, row) filled
    ///   in where the sink left it unset.
    package func next<Sink: RowCellSink>(rowsInto sink: inout Sink) throws -> ArchiveRecord? {
        try read(&sink, viewing: true)
    }

    /// Decodes the row that ``next(rowsInto:)`` returned last again, as values: for a sink that could not take
    /// one of its cells as it was. Only valid right after that call returned the row.
    package func lastRowValues() throws -> [Value] {
        guard let range = lastLine, let decoder = rowDecoder else {
            preconditionFailure("lastRowValues() called without a row just read")
        }
        let result = members.content.withUnsafeBytes { buffer in
            Result { () throws(RowFailure) in
                try decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[range]), materialize: true)
            }
        }
        switch result {
        case .success(let values): return values
        case .failure(let failure): throw fail(failure)
        }
    }

    /// Calls `body` with the line (without its newline) of the row that ``next(rowsInto:)`` returned last. Only
    /// valid right after that call returned the row.
    package func withLastRowLine<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard let range = lastLine else { preconditionFailure("withLastRowLine called without a row just read") }
        return try members.content.withUnsafeBytes { buffer in try body(UnsafeRawBufferPointer(rebasing: buffer[range])) }
    }

    private func read<Sink: RowCellSink>(_ sink: inout Sink, viewing: Bool) throws -> ArchiveRecord? {
        while true {
            guard !finished else { return nil }
            if lineStart >= members.content.count {
                hashRun(upTo: members.content.count)
                guard try members.nextMember() else {
                    location = .init(path: path, line: lineNumber > 0 ? lineNumber : nil, byteOffset: members.memberEnd)
                    throw fail(.truncated, seenHeader ? "file ends before the end record (truncated archive)" : "empty file, expected an auth_export archive")
                }
                lineStart = 0
                memberLineIndex = 0
                memberRowFailures = nil
                if members.content.isEmpty {
                    location = .init(path: path, line: lineNumber + 1, byteOffset: members.memberOffset)
                    throw fail(.badRecord, "empty gzip member")
                }
                if members.content.last != UInt8(ascii: "\n") {
                    location = .init(path: path, line: lineNumber + 1, byteOffset: members.memberOffset)
                    throw fail(.badRecord, "gzip member does not end with a complete line")
                }
                if inTable {
                    tableCompressed += members.memberEnd - members.memberOffset
                    tableUncompressed += Int64(members.content.count)
                }
            }
            let record = try members.content.withUnsafeBytes { buffer -> ArchiveRecord? in
                let rest = UnsafeRawBufferPointer(rebasing: buffer[lineStart...])
                // swift-format-ignore: NeverForceUnwrap
                let newline = lineStart + findNewline(rest)
                let start = lineStart
                let line = UnsafeRawBufferPointer(rebasing: buffer[start..<newline])
                lastLine = start..<newline
                let isFirstInMember = memberLineIndex == 0
                lineStart = newline + 1
                memberLineIndex += 1
                lineNumber += 1
                let isLastInMember = lineStart == buffer.count
                // Updated in place: rebuilding it would retain and release its strings for every line.
                if location.path == nil { location.path = path }
                location.line = lineNumber
                location.byteOffset = members.memberOffset
                location.row = nil
                location.column = nil
                if !inTable {
                    location.table = nil
                } else if location.table == nil {
                    location.table = currentTable?.name
                }
                guard line.count <= options.maxLineBytes else {
                    throw fail(.lineTooLong, "line of \(line.count) bytes exceeds the limit of \(options.maxLineBytes)")
                }
                return try parseLine(
                    line, at: start,
                    first: isFirstInMember, last: isLastInMember, sink: &sink, viewing: viewing)
            }
            if let record { return record }
        }
    }

    private func parseLine<Sink: RowCellSink>(
        _ line: UnsafeRawBufferPointer, at start: Int, first: Bool, last: Bool,
        sink: inout Sink, viewing: Bool
    ) throws -> ArchiveRecord? {
        var scanner = JSONScanner(line, maxDepth: options.maxDepth)
        scanner.skipWhitespace()
        if scanner.peek() != UInt8(ascii: "[") { hashRun(upTo: start) }
        switch scanner.peek() {
        case UInt8(ascii: "["):
            guard inTable else {
                throw fail(.badRecord, "data row outside a table (expected a table record first)")
            }
            // Count the line and take it into the table's checksum first, so that after a bad cell the reader can
            // go on to the next row (the verifier reports several problems) with the checksum still meaningful.
            // The checksum takes runs of row lines (up to the next other line or the member's end) at once.
            if hashRunStart == nil { hashRunStart = start }
            tableRows += 1
            location.row = tableRows
            if viewing {
                let failure: RowFailure?
                do {
                    // swift-format-ignore: NeverForceUnwrap
                    failure = try rowDecoder!.decode(
                        line, scratch: &scratch, viewedColumns: viewedColumns, into: &sink)  // set with currentTable
                } catch {
                    throw error.filling(location)
                }
                if let failure { throw fail(failure) }
                return .row([])
            }
            if !materializeRows, let failures = checkedRowFailures() {
                if !failures.isEmpty, let failure = failures[memberLineIndex - 1] { throw fail(failure) }
                return .row([])
            }
            do throws(RowFailure) {
                // swift-format-ignore: NeverForceUnwrap
                return .row(try rowDecoder!.decode(line, materialize: materializeRows))  // set with currentTable
            } catch {
                throw fail(error)
            }
        case UInt8(ascii: "{"):
            let json: JSONValue
            do {
                json = try scanner.parseValue()
                try scanner.expectEnd()
            } catch {
                throw fail(.badJSON, "\(error.message) (at byte \(error.column) of the line)")
            }
            return try controlRecord(json, first: first, last: last)
        default:
            do {
                _ = try scanner.scanValue()
                try scanner.expectEnd()
            } catch {
                throw fail(.badJSON, "\(error.message) (at byte \(error.column) of the line)")
            }
            throw fail(.badRecord, "expected a JSON object (record) or array (row)")
        }
    }

    /// Hands the run of row lines before `end` (in the current member's content) to the table's checksum.
    private func hashRun(upTo end: Int) {
        guard let start = hashRunStart else { return }
        hashRunStart = nil
        tableHash.update(members.content, start..<end)
    }

    /// The failures the workers found in the current member's rows, if they checked them against the current
    /// table's schema; `nil` when the rows must be decoded here.
    private func checkedRowFailures() -> [Int: RowFailure]? {
        if let known = memberRowFailures { return known }
        var failures: [Int: RowFailure]?
        if let checks = members.rowChecks, checks.schema == currentTable { failures = checks.failures }
        memberRowFailures = .some(failures)
        return failures
    }

    private func fail(_ failure: RowFailure) -> ArchiveError {
        fail(failure.code, failure.message, column: failure.column)
    }

    private func decode<T>(_ body: () throws(RecordCodec.Failure) -> T) throws -> T {
        do { return try body() } catch { throw fail(.badRecord, error.message) }
    }

    private func controlRecord(_ json: JSONValue, first: Bool, last: Bool) throws -> ArchiveRecord? {
        if let name = json.repeatedMemberName {
            throw fail(.badRecord, "record has the member name \"\(name)\" twice")
        }
        guard case .string(let kind) = json["kind"] ?? .null else {
            throw fail(.badRecord, "record has no string field \"kind\"")
        }
        if !seenHeader {
            guard kind == "header" else { throw fail(.badRecord, "the first record must be the header, found \"\(kind)\"") }
            guard case .string(let format) = json["format"] ?? .null, format == FormatVersion.formatName else {
                throw fail(.badRecord, "not an auth_export archive (header \"format\" is not \"auth_export\")")
            }
            guard case .string(let version) = json["version"] ?? .null else {
                throw fail(.badRecord, "header: missing field \"version\"")
            }
            guard let supported = FormatVersion.isSupported(version) else {
                throw fail(.badRecord, "header: version \"\(version)\" is not MAJOR.MINOR")
            }
            guard supported else {
                throw fail(
                    .unsupportedVersion,
                    "archive format version \(version) is not supported (this authx reads version \(FormatVersion.major).x)")
            }
            let header = try decode { () throws(RecordCodec.Failure) in try RecordCodec.header(json) }
            guard first && last else { throw fail(.badRecord, "the header must be alone in the first gzip member") }
            seenHeader = true
            self.header = header
            return .header(header)
        }
        if kind.hasPrefix("x-") { return .extensionRecord(kind: kind) }
        switch kind {
        case "table":
            guard currentTable == nil else {
                throw fail(.badRecord, "table record inside table \(currentTable?.name ?? "") (missing table_end)")
            }
            guard !inObjects else { throw fail(.badRecord, "table record after view/trigger records") }
            guard first else { throw fail(.badRecord, "a table record must start a gzip member") }
            let table = try decode { () throws(RecordCodec.Failure) in try RecordCodec.table(json) }
            guard tableNames.insert(table.name).inserted else {
                throw fail(.badRecord, "table \(table.name) appears twice")
            }
            currentTable = table
            inTable = true
            rowDecoder = RowDecoder(table: table, maxDepth: options.maxDepth)
            memberRowFailures = nil
            location.table = table.name
            _ = tableHash.finish()  // starts over (nothing was handed over outside a table)
            tableRows = 0
            tableFirstOffset = members.memberOffset
            tableCompressed = members.memberEnd - members.memberOffset
            tableUncompressed = Int64(members.content.count)
            return .table(table)
        case "table_end":
            guard let table = currentTable else { throw fail(.badRecord, "table_end outside a table") }
            let end = try decode { () throws(RecordCodec.Failure) in try RecordCodec.tableEnd(json) }
            guard end.table == table.name else {
                throw fail(.badRecord, "table_end names table \(end.table), expected \(table.name)")
            }
            guard last else { throw fail(.badRecord, "table_end must be the last line of its gzip member") }
            location.row = nil
            guard end.rows == tableRows else {
                throw fail(.countMismatch, "table_end says \(end.rows) rows, the table has \(tableRows)")
            }
            let digest = tableHash.finish()
            guard end.sha256 == digest else {
                throw fail(.checksumMismatch, "table checksum mismatch: table_end says \(end.sha256), rows hash to \(digest)")
            }
            index.append(
                .init(
                    table: table.name, offset: tableFirstOffset, compressedBytes: tableCompressed,
                    uncompressedBytes: tableUncompressed, rows: tableRows))
            totalRows += tableRows
            currentTable = nil
            inTable = false
            return .tableEnd(end)
        case "object":
            guard currentTable == nil else { throw fail(.badRecord, "object record inside table \(currentTable?.name ?? "")") }
            inObjects = true
            return .object(try decode { () throws(RecordCodec.Failure) in try RecordCodec.object(json) })
        case "end":
            guard currentTable == nil else {
                throw fail(.badRecord, "end record inside table \(currentTable?.name ?? "") (missing table_end)")
            }
            guard first && last else { throw fail(.badRecord, "the end record must be alone in the last gzip member") }
            let end = try decode { () throws(RecordCodec.Failure) in try RecordCodec.end(json) }
            try checkEnd(end)
            finished = true
            return .end(end)
        case "header":
            throw fail(.badRecord, "a second header record")
        default:
            throw fail(.badRecord, "unknown record kind \"\(kind)\" (extensions must start with \"x-\")")
        }
    }

    private func checkEnd(_ end: ArchiveEnd) throws {
        // The end member must be the canonical stored-block encoding of its line.
        let canonical = members.content.withUnsafeBytes { GzipMember.storedMember($0) }
        guard canonical == members.raw else {
            throw fail(.badCompression, "the end record's gzip member is not in canonical stored form")
        }
        let digest = members.checksumBeforeCurrentMember()
        guard end.sha256 == digest else {
            throw fail(.checksumMismatch, "file checksum mismatch: end record says \(end.sha256), the file hashes to \(digest)")
        }
        guard end.tables == index.count else {
            throw fail(.countMismatch, "end record says \(end.tables) tables, the archive has \(index.count)")
        }
        guard end.rows == totalRows else {
            throw fail(.countMismatch, "end record says \(end.rows) rows, the archive has \(totalRows)")
        }
        guard end.index == index else {
            let bad = zip(end.index, index).first { $0 != $1 }.map { "entry for table \($0.0.table)" } ?? "entry count"
            throw fail(.countMismatch, "end record index does not match the archive (\(bad))")
        }
        guard try members.isAtEndOfFile() else {
            location.byteOffset = members.memberEnd
            throw fail(.badCompression, "unexpected bytes after the end record")
        }
        if let check = options.byteCheck {
            do {
                try check.finish()
            } catch let error as ArchiveError {
                throw error
            } catch let error as SignatureError {
                throw ArchiveError(.badSignature, error.message, location: .init(path: path), underlying: error)
            } catch {
                throw ArchiveError(.badSignature, "\(error)", location: .init(path: path), underlying: error)
            }
        }
    }
}

@available(*, unavailable)
extension ArchiveReader: Sendable {}
