/// Checks a whole archive offline: integrity and conformance, and on request keys.
///
/// Integrity: gzip framing and CRC of every member, canonical member headers, every table checksum and row count,
/// the file checksum and index in the end record, truncation and trailing bytes. Conformance: every row has one
/// cell per column and every cell matches its column's logical type and nullability. Keys
/// (``Options/checkKeys``): primary keys and UNIQUE constraints hold no value twice, foreign keys resolve.
///
/// Row-level problems (a bad cell, a wrong arity) do not stop the check: up to ``Options/maxProblems`` are
/// collected. Integrity problems stop it, since nothing after them can be trusted.
///
/// ```swift
/// let report = try ArchiveVerifier(path: "app.authx.gz").run()
/// if !report.isValid { for problem in report.problems { print(problem) } }
/// ```
public struct ArchiveVerifier {
    /// What to check and how much to report.
    public struct Options: Sendable {
        /// Limits applied while reading; by default files are read with one thread per CPU.
        public var reader: ArchiveReader.Options = {
            var options = ArchiveReader.Options()
            options.threads = ProcessInfoCPU.count
            return options
        }()
        /// How many problems to collect before stopping (default 20).
        public var maxProblems = 20
        /// Also check keys (`--keys`): no primary key, UNIQUE constraint or full unique index holds a value
        /// twice (`duplicate_key`), and every foreign key value has its referenced row (`dangling_reference`).
        ///
        /// Memory grows with the data: 24 bytes per key value of the table being read, 16 bytes per value of
        /// each key that a foreign key references (every key, reading standard input), kept to the end, and 24
        /// bytes per reference to a table that comes later (210 MB at peak for the 1M-user benchmark archive,
        /// whose sessions table has 2M rows and two keys).
        public var checkKeys = false
        /// Creates the default options.
        public init() {}
    }

    /// The outcome of a verification.
    public struct Report: Sendable {
        /// The archive path.
        public var path: String
        /// The header, if it could be read.
        public var header: ArchiveHeader?
        /// Every table seen, with the rows counted (complete only when the archive is valid).
        public var tables: [TableReport]
        /// The problems found, in file order; empty when the archive is valid.
        public var problems: [ArchiveError]
        /// Total rows read.
        public var rows: Int64
        /// Bytes of the file read.
        public var bytes: Int64
        /// Whether the archive reached its end record intact with no problem.
        public var isValid: Bool { problems.isEmpty && complete }
        /// Whether the end record was reached and checked.
        public var complete: Bool
    }

    /// One table in a ``Report``.
    public struct TableReport: Sendable {
        /// The table name.
        public var name: String
        /// Rows read.
        public var rows: Int64
        /// Whether its table_end record was reached and matched.
        public var checked: Bool
    }

    private let path: String
    private let options: Options
    private var bytes: [UInt8]?

    /// Prepares to verify the archive at `path` (`"-"` for standard input).
    public init(path: String, options: Options = Options()) {
        self.path = path
        self.options = options
    }

    /// Prepares to verify an archive held in memory (tests).
    package init(bytes: [UInt8], options: Options = Options()) {
        self.path = "<memory>"
        self.options = options
        self.bytes = bytes
    }

    /// Runs the verification.
    ///
    /// - Returns: the report; archive problems are in ``Report/problems``, not thrown.
    /// - Throws: `ArchiveError` with code `.io` when the file cannot be read at all.
    public func run(progress: ProgressHandler? = nil) throws -> Report {
        // On a regular file the index gives every table's schema first, so that only the keys references
        // need are kept to the end (and the reader's workers know which table each member holds).
        let listing =
            options.checkKeys && bytes == nil && path != "-"
            ? try? ArchiveListing(path: path, options: options.reader) : nil
        let reader = try bytes.map { ArchiveReader(bytes: $0, options: options.reader) }
            ?? ArchiveReader(path: path, options: options.reader, listing: listing)
        reader.materializeRows = false
        var keys = KeyChecker(path: path, tables: listing?.tables.map(\.schema))
        let expectedRows = Dictionary(
            (listing?.tables ?? []).map { ($0.schema.name, $0.entry.rows) }, uniquingKeysWith: { a, _ in a })
        var report = Report(path: path, header: nil, tables: [], problems: [], rows: 0, bytes: 0, complete: false)
        var rowsInTable: Int64 = 0
        var currentName: String?
        var recoverable = true
        while recoverable && report.problems.count < options.maxProblems {
            do {
                let viewsCells = options.checkKeys && keys.wantsCells
                guard let record = try viewsCells ? reader.next(rowsInto: &keys) : reader.next() else { break }
                var keyProblems: [ArchiveError] = []
                switch record {
                case .header(let header):
                    report.header = header
                case .table(let table):
                    currentName = table.name
                    rowsInTable = 0
                    report.tables.append(TableReport(name: table.name, rows: 0, checked: false))
                    if options.checkKeys { keys.begin(table, expectedRows: expectedRows[table.name]) }
                    progress?(.init(kind: .tableStarted, table: table.name, rowsDone: 0, rowsTotal: nil, bytesDone: reader.bytesRead))
                case .row:
                    if viewsCells { keyProblems = keys.endRow() }
                    rowsInTable += 1
                    report.rows += 1
                    if rowsInTable % 65536 == 0, let currentName {
                        progress?(.init(kind: .rows, table: currentName, rowsDone: rowsInTable, rowsTotal: nil, bytesDone: reader.bytesRead))
                    }
                case .tableEnd(let end):
                    report.tables[report.tables.count - 1].rows = end.rows
                    report.tables[report.tables.count - 1].checked = true
                    if options.checkKeys { keyProblems = keys.endTable() }
                    progress?(.init(kind: .tableFinished, table: end.table, rowsDone: end.rows, rowsTotal: end.rows, bytesDone: reader.bytesRead))
                    currentName = nil
                case .end:
                    report.complete = true
                    if options.checkKeys { keyProblems = keys.finish() }
                case .object, .extensionRecord:
                    break
                }
                report.problems += keyProblems.prefix(max(0, options.maxProblems - report.problems.count))
            } catch let error as ArchiveError {
                if error.code == .io && error.location.line == nil { throw error }
                report.problems.append(error)
                recoverable = [.typeMismatch, .nullViolation, .wrongArity].contains(error.code)
                if recoverable {
                    if options.checkKeys && keys.wantsCells { keys.skipRow() }
                    rowsInTable += 1
                    report.rows += 1
                }
            }
        }
        if !report.tables.isEmpty, !report.complete, let last = report.tables.last, !last.checked {
            report.tables[report.tables.count - 1].rows = rowsInTable
        }
        report.bytes = reader.bytesRead
        return report
    }
}
