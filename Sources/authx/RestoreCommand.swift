import ArgumentParser
import AuthExport
import AuthExportPostgres
import AuthExportSQLite
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `authx restore FILE --to URL`: an archive into PostgreSQL (or SQLite). Parses options, calls the backend,
/// prints the summary and notes.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore an archive into PostgreSQL (or a new SQLite file).",
        discussion: """
            URL is a libpq connection string, as psql takes it (postgresql://user@host:5432/db, \
            "host=… dbname=…"), or a SQLAlchemy URL (postgresql+psycopg2://…): PGPASSWORD, ~/.pgpass, \
            PGHOST/PGPORT/PGUSER, sslmode and service files work. A sqlite:/// URL or a file path restores \
            into a new SQLite database instead.

            SQLite: a new database file is built beside the target and renamed into place when complete and \
            checked; an existing file is refused unless --force. With --data-only, rows are loaded into the \
            existing database's tables (the application's schema) in one transaction, each value stored as the \
            column's declared type implies (CHAR(32) uuids as 32 hex digits, DATETIME as naive UTC text).

            PostgreSQL: tables get native types (uuid, jsonb, timestamptz, boolean, numeric(p,s), varchar(n)…), \
            are loaded with COPY, then get their primary keys, UNIQUE constraints, indexes (original names), \
            foreign keys (with their actions); auto-increment keys become identity columns set past the highest \
            value; then ANALYZE. Everything happens in one transaction, committed only after every checksum of \
            the archive was verified: on any error the database is left exactly as it was. Existing tables are \
            refused unless --clean. What cannot be translated (SQLite triggers, expressions PostgreSQL rejects) \
            is listed as notes, never dropped silently.

            --jobs N loads tables over N connections, each into a private staging schema \
            (authx_restore_…), and one final transaction moves them into place: still all or nothing for the \
            target, but the staging schema is visible during the load and stays behind if authx is killed.
            """)

    @Argument(help: "The archive file, or - for standard input.")
    var archive: String

    @Option(
        name: [.customLong("to"), .customShort("d"), .customLong("dbname")],
        help: ArgumentHelp("The target database (-d/--dbname as in pg_restore).", valueName: "URL"))
    var target: String?

    @Option(help: ArgumentHelp("Restore into schema NAME (created if missing); default: the current schema.", valueName: "NAME"))
    var schema: String?

    @Flag(
        name: [.customShort("c"), .customLong("clean")],
        help: "Replace tables of the archive that already exist (dropped after the new ones are loaded).")
    var clean = false

    @Flag(name: .customLong("if-exists"), help: "Accepted with --clean, as pg_restore: --clean only drops what exists.")
    var ifExists = false

    @Flag(
        name: [.customShort("C"), .customLong("create")],
        help: "PostgreSQL: create the target database first (as pg_restore -C; an existing one is an error).")
    var create = false

    @Option(
        name: [.customShort("t"), .customLong("table")],
        help: ArgumentHelp("Restore only tables matching GLOB (repeatable; public.users also matches).", valueName: "GLOB"))
    var tables: [String] = []

    @Option(
        name: [.customShort("T"), .customLong("exclude-table")],
        help: ArgumentHelp("Leave out tables matching GLOB (repeatable).", valueName: "GLOB"))
    var excludedTables: [String] = []

    @Flag(name: [.customShort("s"), .customLong("schema-only")], help: "Create the schema only, no rows.")
    var schemaOnly = false

    @Flag(name: [.customShort("a"), .customLong("data-only")], help: "Load rows only, into existing tables.")
    var dataOnly = false

    @Flag(name: [.customShort("l"), .customLong("list")], help: "Print the archive's contents (as inspect) and restore nothing.")
    var list = false

    @Flag(
        name: [.customShort("1"), .customLong("single-transaction")],
        help: "Accepted as in pg_restore: a restore is always all or nothing.")
    var singleTransaction = false

    @Flag(name: .customLong("dry-run"), help: "Print the SQL plan on standard output; touch no database.")
    var dryRun = false

    @Option(name: [.customShort("j"), .customLong("jobs")], help: "Connections loading tables in parallel (PostgreSQL).")
    var jobs = 1

    @Option(name: .customLong("copy-format"), help: ArgumentHelp("COPY data format: binary or text.", valueName: "FORMAT"))
    var copyFormat = "binary"

    @Flag(name: .customLong("no-analyze"), help: "Skip ANALYZE at the end.")
    var noAnalyze = false

    @OptionGroup var lockWait: LockWaitTimeoutOption

    @OptionGroup var representation: RepresentationOption

    @OptionGroup var signaturePolicy: SignaturePolicyOptions

    @Flag(help: "SQLite: replace an existing target file (atomically, once the new one is complete and checked).")
    var force = false

    @Flag(
        name: .customLong("strict-sql"),
        help: "Fail instead of leaving out archive SQL (CHECK, DEFAULT, index, view) outside the allow-list grammar.")
    var strictSQL = false

    @Flag(name: .customLong("full-check"), help: "SQLite: run PRAGMA integrity_check instead of quick_check.")
    var fullCheck = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @Flag(help: "Print a JSON summary on standard output (a failure too).")
    var json = false

    @OptionGroup(title: "Encrypted archives") var decrypt: DecryptionOptions

    @Flag(name: .shortAndLong, help: "Print PostgreSQL's error detail and context (they may quote row values).")
    var verbose = false

    func validate() throws {
        if schemaOnly && dataOnly { throw ValidationError("--schema-only and --data-only cannot be combined") }
        if clean && dataOnly { throw ValidationError("--clean cannot be combined with --data-only") }
        if ifExists && !clean { throw ValidationError("--if-exists needs --clean (as in pg_restore)") }
        if create && dataOnly { throw ValidationError("--create cannot be combined with --data-only (a new database has no tables)") }
        if !(1...64).contains(jobs) { throw ValidationError("--jobs must be between 1 and 64") }
        if PostgresRestore.CopyFormat(rawValue: copyFormat) == nil {
            throw ValidationError("--copy-format must be binary or text")
        }
        if archive.isEmpty { throw ValidationError("FILE is empty: give an archive path, or - for standard input") }
        if !list && target == nil { throw ValidationError("missing --to URL (or -d/--dbname): the target database") }
        if list && (target != nil || dryRun) { throw ValidationError("--list prints the archive's contents; it takes no --to or --dry-run") }
        if dryRun && json { throw ValidationError("--dry-run prints SQL; it takes no --json") }
        if list && archive == "-" { throw ValidationError("--list reads an archive file's index; give FILE, not -") }
        if archive == "-" && isatty(0) != 0 {
            throw ValidationError("refusing to read an archive from a terminal; redirect standard input or give FILE")
        }
    }

    func run() throws {
        try PathChecks.checkArchive(archive)
        // The signature first, before the target is looked at: an archive not signed by an allowed signer never
        // reaches it. A regular file is checked now and again as it streams (the bytes restored are the bytes
        // checked); standard input as it streams, the restore committing only if the signature holds.
        let signature = try signaturePolicy.check(file: archive, firstReading: true)
        if list {
            return try InspectCommand.printListing(
                path: archive, json: json, command: "restore", decryption: try decrypt.decryption(command: "restore"))
        }
        let target = self.target ?? ""
        let destination: ConnectionTarget
        do {
            destination = try ConnectionTarget.parse(target)
        } catch {
            throw CommandFailure.usage(error.message)
        }
        try checkFilter()
        switch destination {
        case .postgres(let conninfo):
            try restorePostgres(conninfo: conninfo, signature: signature)
        case .sqlite(let path):
            try PathChecks.checkSQLiteTarget(target, path: path)
            try restoreSQLite(path: path, signature: signature)
        }
    }

    /// A --table/--exclude-table selecting nothing of an archive file is a usage error before anything starts (the
    /// restores check it again at the end for standard input).
    private func checkFilter() throws {
        let filter = TableFilter(include: tables, exclude: excludedTables)
        guard !filter.selectsAll, archive != "-", let listing = try? ArchiveListing(path: archive) else { return }
        if let problem = filter.problem(in: listing.tables.map(\.schema.name), of: "the archive") {
            throw CommandFailure.usage(problem, hint: "`authx inspect \(archive)` lists the archive's tables")
        }
    }

    private func restorePostgres(conninfo: String, signature: SignatureCheck?) throws {
        if force || fullCheck {
            throw CommandFailure.usage("--force and --full-check apply to SQLite targets only", hint: "PostgreSQL: --clean replaces existing tables")
        }
        var options = PostgresRestore.Options()
        options.readerOptions.decryption = try decrypt.decryption(command: "restore")
        options.schema = schema
        options.clean = clean
        options.tables = TableFilter(include: tables, exclude: excludedTables)
        options.schemaOnly = schemaOnly
        options.dataOnly = dataOnly
        options.jobs = jobs
        options.copyFormat = PostgresRestore.CopyFormat(rawValue: copyFormat) ?? .binary
        options.analyze = !noAnalyze
        options.strictSQL = strictSQL
        options.representation = try representation.options()
        if let timeout = lockWait.duration { options.lockWaitTimeout = timeout }
        options.readerOptions.byteCheck = signature?.stream
        let shownTarget = ConnectionTarget.redact(conninfo)

        if dryRun {
            if create { throw CommandFailure.usage("--create cannot be combined with --dry-run") }
            let plan = try mapped { try PostgresRestore.plan(archive: archive, options: options) }
            printBlock(plan.sql)
            if !plan.notes.isEmpty {
                printLine()
                printLine("-- notes")
                for note in plan.notes { printLine("-- \(note.kind.rawValue): \(note)") }
            }
            return
        }

        let progress = ProgressRenderer.make("restore", quiet: quiet || json, totals: ProgressRenderer.totals(ofArchive: archive))
        options.progress = progress?.handler
        // Ctrl-C and SIGTERM stop the restore between rows or statements; it rolls back (a second signal kills
        // at once, and the server still rolls back the open transaction).
        options.isCancelled = { ExportInterrupt.flag.load(ordering: .relaxed) }
        ExportInterrupt.install()
        let start = Date()
        if create {
            _ = try mapped { try PostgresRestore.createDatabase(conninfo) }
        }
        let summary: PostgresRestore.Summary
        do {
            summary = try mapped { try PostgresRestore.restore(archive: archive, to: conninfo, options: options) }
        } catch {
            progress?.finish()
            if ExportInterrupt.flag.load(ordering: .relaxed) {
                throw CommandFailure.interrupted("nothing was changed")
            }
            throw error
        }
        progress?.finish()
        let seconds = Date().timeIntervalSince(start)
        if json {
            CLIOutput.printJSONDocument(
                Self.jsonSummary(summary, target: shownTarget, seconds: seconds, more: signature?.jsonMember ?? []))
            return
        }
        guard !quiet else { return }
        if let line = signature?.line { printError(line) }
        for note in summary.notes { printError("note: \(note)") }
        let megabytes = Double(summary.bytesRead) / 1_000_000
        var line = "restored \(summary.tables.count) tables, \(summary.rows) rows into \(shownTarget)"
        line += " (schema \(summary.schema))"
        line += String(format: " from %.1f MB in %.2f s", megabytes, seconds)
        if seconds > 0 && summary.rows > 0 { line += String(format: ", %.0f rows/s", Double(summary.rows) / seconds) }
        printError(line)
    }

    /// PostgreSQL errors become exit code 3 with their one-line description (the full detail with --verbose).
    private func mapped<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgresError {
            throw CLIErrors.failure(for: error, verbose: verbose, dataOnly: dataOnly, canCreate: true)
        }
    }

    private func restoreSQLite(path: String, signature: SignatureCheck?) throws {
        var unsupported: [String] = []
        if jobs != 1 { unsupported.append("--jobs") }
        if schema != nil { unsupported.append("--schema") }
        if clean { unsupported.append("--clean (use --force)") }
        if copyFormat != "binary" { unsupported.append("--copy-format") }
        if noAnalyze { unsupported.append("--no-analyze") }
        if lockWait.isGiven { unsupported.append("--lock-wait-timeout") }
        if create { unsupported.append("--create (a SQLite target file is always created)") }
        if !unsupported.isEmpty {
            throw CommandFailure.usage("\(unsupported.joined(separator: ", ")) apply to PostgreSQL targets only")
        }
        var options = SQLiteRestoreOptions()
        options.readerOptions.decryption = try decrypt.decryption(command: "restore")
        options.overwrite = force
        options.tables = TableFilter(include: tables, exclude: excludedTables)
        options.schemaOnly = schemaOnly
        options.fullIntegrityCheck = fullCheck
        options.representation = try representation.options()
        options.readerOptions.byteCheck = signature?.stream
        options.dataOnly = dataOnly
        options.strictSQL = strictSQL
        if dataOnly && (force || fullCheck || dryRun) {
            throw CommandFailure.usage("--force, --full-check and --dry-run do not apply to --data-only into SQLite")
        }
        if dryRun {
            printBlock(try SQLiteRestore.plan(archive: archive, options: options), terminator: "")
            return
        }
        let progress = ProgressRenderer.make("restore", quiet: quiet || json, totals: ProgressRenderer.totals(ofArchive: archive))
        options.progress = progress?.handler
        // Signals stop the restore between rows or inside a statement; its temporary file is removed.
        options.isCancelled = { ExportInterrupt.flag.load(ordering: .relaxed) }
        ExportInterrupt.install()
        let start = Date()
        let summary: SQLiteRestoreSummary
        do {
            summary = try SQLiteRestore.restore(archive: archive, to: path, options: options)
        } catch {
            progress?.finish()
            if ExportInterrupt.flag.load(ordering: .relaxed) {
                throw CommandFailure.interrupted("nothing was changed")
            }
            throw error
        }
        progress?.finish()
        let seconds = Date().timeIntervalSince(start)
        if json {
            CLIOutput.printJSONDocument(
                Self.json(
                    target: summary.target, backend: "sqlite", seconds: seconds,
                    tables: summary.tableRows.map { JSONReport.table($0.name, rows: $0.rows) }, rows: summary.rows,
                    warnings: summary.warnings.map { JSONReport.warning(code: "warning", message: $0) },
                    more: signature?.jsonMember ?? []))
            return
        }
        guard !quiet else { return }
        if let line = signature?.line { printError(line) }
        for warning in summary.warnings { printError("warning: \(warning)") }
        printError(
            "restored \(summary.tables) tables, \(summary.rows) rows into \(summary.target)"
                + String(format: " in %.2f s", seconds))
    }

    static func jsonSummary(
        _ summary: PostgresRestore.Summary, target: String, seconds: Double, more: [(String, JSONValue)] = []
    ) -> JSONValue {
        json(
            target: target, backend: "postgresql", seconds: seconds,
            tables: summary.tables.map { JSONReport.table($0.name, rows: $0.rows, [("pg_name", .string($0.pgName))]) },
            rows: summary.rows,
            warnings: summary.notes.map { JSONReport.warning(code: $0.kind.rawValue, message: $0.message, table: $0.table) },
            more: [
                ("database", .string(summary.database)), ("schema", .string(summary.schema)),
                ("bytes_read", .integer(summary.bytesRead)),
            ] + more)
    }

    /// The `--json` summary of a restore: the same members for both targets (spec/cli/restore.schema.json).
    static func json(
        target: String, backend: String, seconds: Double, tables: [JSONValue], rows: Int64, warnings: [JSONValue],
        more: [(String, JSONValue)] = []
    ) -> JSONValue {
        JSONReport.document(
            "restore",
            [
                ("target", .string(target)), ("backend", .string(backend)), ("tables", .array(tables)),
                ("rows", .integer(rows)), ("seconds", JSONReport.seconds(seconds)), ("warnings", .array(warnings)),
            ] + more)
    }
}
