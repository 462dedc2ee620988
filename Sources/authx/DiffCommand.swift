import ArgumentParser
import AuthExport
import Synchronization

/// `authx diff OLD NEW`: what changed between two archives.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two archives: tables added or removed, schema changes, rows added, removed and changed by primary key.",
        discussion: """
            Values are compared in their logical form; messages name tables, keys and columns, never other values \
            (keys of secret-looking columns are shown as digests unless --show-values). Both archives are read at once; \
            memory: per row one has read and the other not yet, about 8 bytes per column, 60 bytes and the key \
            (docs/verify.md). \
            Exit status 0 when the archives hold the same data, 1 when they differ, 3 when one cannot be read.
            """
    )

    @Argument(help: "The older archive.")
    var old: String

    @Argument(help: "The newer archive.")
    var new: String

    @OptionGroup var comparison: ComparisonOptions

    @OptionGroup(title: "Encrypted archives") var decrypt: DecryptionOptions

    @Flag(help: "Print a machine-readable JSON report on standard output.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print nothing but differences.")
    var quiet = false

    func run() throws {
        for (path, other) in [(old, new), (new, old)] {
            try PathChecks.checkArchive(
                path,
                sqliteHint: "diff compares two archives; a database with an archive: `authx verify \(other) --against \(path)`")
        }
        ExportInterrupt.install()
        let options = comparison.comparatorOptions()
        // One set of keys for both archives (either or both may be encrypted; a passphrase is asked once per file).
        var reader = comparison.readerOptions
        reader.decryption = try decrypt.decryption(command: "diff")
        let report = try comparison.withProgress(quiet: quiet || json) { progress in
            var options = options
            options.progress = progress
            return try RecordComparator(options: options).compare(
                old: ArchiveReader(path: old, options: reader), new: ArchiveReader(path: new, options: reader))
        }
        comparison.print(report, command: "diff", json: json, quiet: quiet, old: old, new: new, added: "added", removed: "removed")
        if !report.isSame { throw CLIErrors.invalid }
    }
}

/// The options and output shared by `diff` and `verify --against`.
struct ComparisonOptions: ParsableArguments {
    @Option(help: "List at most this many keys per table and kind (added, removed, changed).")
    var maxRows = 10

    @Flag(help: "Show the values of secret-looking key columns (password, token, hash…) instead of digests.")
    var showValues = false

    /// How the archives are read: members inflated on every CPU; rows are checked once, as the comparator
    /// digests them (not again by the inflating threads).
    var readerOptions: ArchiveReader.Options {
        var options = ArchiveReader.Options()
        options.threads = ProcessInfoCPU.count
        options.workersCheckRows = false
        return options
    }

    /// The comparator's options; Ctrl-C (``ExportInterrupt``) cancels.
    func comparatorOptions() -> RecordComparator.Options {
        var options = RecordComparator.Options()
        options.maxKeys = max(0, maxRows)
        options.showValues = showValues
        options.isCancelled = { ExportInterrupt.flag.load(ordering: .relaxed) }
        return options
    }

    /// Runs `body` with the terminal's progress line (none with --json or --quiet), and maps a cancellation.
    func withProgress<T>(quiet: Bool, _ body: (ProgressHandler?) throws -> T) throws -> T {
        let progress = ProgressRenderer.make("compare", quiet: quiet)
        defer { progress?.finish() }
        do {
            return try body(progress?.handler)
        } catch {
            if ExportInterrupt.flag.load(ordering: .relaxed) {
                throw CommandFailure.interrupted("nothing was compared to the end")
            }
            throw error
        }
    }

    /// Prints the report: one summary line per table that differs, then the keys and schema changes; or JSON.
    func print(
        _ report: RecordComparator.Report, command: String, json: Bool, quiet: Bool, old: String, new: String,
        added: String,
        removed: String, same: String = "SAME", different: String = "DIFFERENT", hint: String? = nil
    ) {
        if json {
            var members: [(String, JSONValue)] = [
                ("old", .string(old)), ("new", .string(new)), ("same", .bool(report.isSame)),
                ("tables", .array(report.tables.map { table in
                    JSONReport.table(table.name, rows: table.newRows, [
                        ("presence", .string(table.presence.rawValue)), ("same", .bool(table.isSame)),
                        ("old_rows", .integer(table.oldRows)), ("new_rows", .integer(table.newRows)),
                        ("key", .array(table.keyColumns.map { .string($0) })),
                        ("added", .integer(table.added)), ("removed", .integer(table.removed)),
                        ("changed", .integer(table.changed)),
                        ("changed_columns", .object(table.changedColumns.map { ($0.column, .integer($0.rows)) })),
                        ("added_keys", .array(table.addedKeys.map { .string($0) })),
                        ("removed_keys", .array(table.removedKeys.map { .string($0) })),
                        ("changed_keys", .array(table.changedKeys.map { change in
                            .object([("key", .string(change.key)), ("columns", .array(change.columns.map { .string($0) }))])
                        })),
                        ("schema_changes", .array(table.schemaChanges.map { .string($0) })),
                        ("sequence_problems", .array(table.sequenceProblems.map { .string($0) })),
                    ])
                })),
            ]
            if !report.isSame {
                let differing = report.tables.filter { !$0.isSame }.count
                members.append(("error", .object([
                    ("code", .string("mismatch")), ("message", .string("\(differing) of \(report.tables.count) tables differ")),
                    ("hint", hint.map { .string($0) } ?? .null),
                ])))
            }
            printJSON(JSONReport.document(command, ok: report.isSame, members))
            return
        }
        for table in report.tables where !table.isSame {
            printLine(table.summary(added: added, removed: removed))
            for change in table.schemaChanges { printLine("  schema: \(change)") }
            for problem in table.sequenceProblems { printLine("  \(problem)") }
            func more(_ shown: Int, _ total: Int64) -> String { Int64(shown) < total ? " …" : "" }
            if !table.addedKeys.isEmpty {
                printLine("  \(added): " + table.addedKeys.joined(separator: ", ") + more(table.addedKeys.count, table.added))
            }
            if !table.removedKeys.isEmpty {
                printLine("  \(removed): " + table.removedKeys.joined(separator: ", ") + more(table.removedKeys.count, table.removed))
            }
            if !table.changedKeys.isEmpty {
                printLine("  changed: " + table.changedKeys.map { "\($0.key) (\($0.columns.joined(separator: ", ")))" }
                    .joined(separator: ", ") + more(table.changedKeys.count, table.changed))
            }
        }
        if !quiet || !report.isSame {
            let differing = report.tables.filter { !$0.isSame }.count
            let rows = report.tables.reduce(Int64(0)) { $0 + $1.newRows }
            printLine(report.isSame
                ? "\(old) and \(new): \(same): \(report.tables.count) tables, \(grouped(rows)) rows"
                : "\(old) and \(new): \(different): \(differing) of \(report.tables.count) tables differ")
        }
        if !report.isSame, let hint { printLine("hint: \(hint)") }
    }
}
