import ArgumentParser
import AuthExport
import AuthExportPostgres
import AuthExportSQLite
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `authx export`: a SQLite or PostgreSQL database to an archive.
///
/// Parses options, calls ``SQLiteExporter`` or ``PostgresExport``, prints.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a SQLite or PostgreSQL database to an auth_export archive.",
        discussion: """
            SOURCE is a SQLite file or a URL as an application writes its DATABASE_URL: \
            sqlite:///relative/path.db, sqlite:////absolute/path.db (driver suffixes such as \
            sqlite+pysqlite:// are accepted); or a PostgreSQL libpq connection string as psql takes it \
            (postgresql://user@host/db, "host=… dbname=…", postgresql+psycopg2://…), whose --schema (default: \
            the current schema) is exported with native types kept (uuid, jsonb, timestamptz, numeric(p,s)…).

            Everything is read in one transaction: the archive is a consistent snapshot even while the \
            application writes. Each column gets the narrowest type (uuid, timestamp, json, boolean, decimal, \
            date…) that reproduces every stored value exactly; otherwise it stays text/integer/real/bytes, or \
            `any` when it mixes storage classes. Warnings say what could not be narrowed and why.

            The archive is written beside FILE and renamed when complete (mode 0600), with FILE.sha256. \
            On an error or Ctrl-C nothing is left behind.
            """)

    @Argument(help: "The database: a SQLite file path or sqlite:/// URL, or a PostgreSQL connection string.")
    var source: String

    @Option(
        name: [.customShort("n"), .customLong("schema")],
        help: ArgumentHelp("PostgreSQL: the schema to export (default: the current schema); one per archive.", valueName: "NAME"))
    var schemas: [String] = []

    /// The one schema asked for (validated: at most one).
    private var schema: String? { schemas.first }

    @OptionGroup var lockWait: LockWaitTimeoutOption

    @Option(
        name: [.customShort("o"), .customLong("output"), .customShort("f"), .customLong("file")],
        help: ArgumentHelp("The archive to write; - writes to standard output (-f/--file as in pg_dump).", valueName: "FILE")
    )
    var output: String

    @Option(
        name: [.customShort("t"), .customLong("table")],
        help: ArgumentHelp("Export only tables matching GLOB (repeatable; public.users also matches).", valueName: "GLOB"))
    var tables: [String] = []

    @Option(
        name: [.customShort("T"), .customLong("exclude-table")],
        help: ArgumentHelp("Leave out tables matching GLOB (repeatable).", valueName: "GLOB"))
    var excludedTables: [String] = []

    @Option(
        name: .customLong("type"),
        help: ArgumentHelp(
            "Force a column's type, e.g. users.id=uuid (repeatable); a value that does not fit is an error.",
            valueName: "TABLE.COLUMN=TYPE"))
    var types: [String] = []

    @Flag(
        name: .customLong("infer-from-values"),
        help: "Also narrow generic TEXT/INTEGER columns from their values (JSON, uuid or timestamp text, Unix times in time-named columns), each with a warning. Default: the declared type decides.")
    var inferFromValues = false

    @Option(
        name: .customLong("assume-timezone"),
        help: ArgumentHelp("The zone naive timestamps are in (default UTC): ±HH:MM or an IANA name.", valueName: "ZONE")
    )
    var assumeTimeZone: String?

    @Flag(
        name: [.customShort("s"), .customLong("schema-only")],
        help: "Write every table's schema (keys, indexes, checks, views, triggers) and no rows: restoring it makes the empty schema (as pg_dump -s). Sequence values are left out.")
    var schemaOnly = false

    @Flag(help: "Overwrite FILE if it exists.")
    var force = false

    @OptionGroup(title: "Encryption (age format)") var encryption: EncryptionOptions

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @Flag(help: "Print a JSON summary (on standard output; on standard error with -o -), a failure too.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print PostgreSQL's error detail and context (they may quote row values).")
    var verbose = false

    @Option(name: .customLong("compression-level"), help: "Deflate level, 1 (fastest) to 12 (smallest); 0 stores without compressing (for pipes).")
    var compressionLevel = 5

    @Option(
        name: [.customShort("j"), .customLong("jobs"), .customLong("threads")],
        help: "Compression threads (default: the number of CPUs); --threads is the same.")
    var threads: Int?

    @Option(
        name: .customLong("sign-key"),
        help: ArgumentHelp(
            "Sign the archive as it is written (FILE.sig, SSHSIG, namespace auth_export): an unencrypted OpenSSH private key, or a public key (.pub) the running ssh-agent holds.",
            valueName: "KEY"))
    var signKey: String?

    func validate() throws {
        guard (0...12).contains(compressionLevel) else {
            throw ValidationError("--compression-level must be between 0 and 12")
        }
        if let threads, threads < 1 { throw ValidationError("--jobs must be at least 1") }
        if schemas.count > 1 {
            throw ValidationError(
                "--schema/-n given \(schemas.count) times (\(schemas.joined(separator: ", "))): an archive holds one schema; "
                    + "run one export per schema")
        }
        if isPostgres {
            if !types.isEmpty || assumeTimeZone != nil || inferFromValues {
                throw ValidationError("--type, --infer-from-values and --assume-timezone apply to SQLite sources only (PostgreSQL columns keep their types)")
            }
        } else if schema != nil || lockWait.isGiven {
            throw ValidationError("--schema and --lock-wait-timeout apply to PostgreSQL sources only")
        }
        for text in types {
            do { _ = try TypeOverride(parsing: text) } catch let error as ArchiveError {
                throw ValidationError(error.message)
            }
        }
        if output == "-" && isatty(1) != 0 {
            throw ValidationError("refusing to write an archive to a terminal; redirect standard output or use -o FILE")
        }
        if output.isEmpty { throw ValidationError("-o needs a file name, or - for standard output") }
        if signKey != nil && output == "-" {
            throw ValidationError("--sign-key writes FILE.sig beside the archive: use -o FILE (or sign a saved stream with `authx sign FILE --key KEY`)")
        }
    }

    /// The signature sidecar for `--sign-key`, with its key loaded (and, for an agent key, found in the agent)
    /// before the export starts.
    private func signatureSidecar() throws -> DetachedSignature.Sidecar? {
        guard let signKey else { return nil }
        return DetachedSignature.Sidecar(key: try SigningKey(path: signKey))
    }

    /// What `--sign-key` wrote: the JSON summary's `signature` member and the closing line.
    struct SignatureReport {
        var key: SSHPublicKey
        var path: String
        /// The `signature` member of the JSON summary.
        var jsonMember: [(String, JSONValue)] {
            [("signature", .object([
                ("path", .string(path)), ("key_type", .string(key.algorithm.displayName)),
                ("fingerprint", .string(key.fingerprint)),
            ]))]
        }
        var line: String { "signed with \(key): \(path)" }
    }

    /// `"schema_only": true` in the JSON summary of a `--schema-only` export.
    private var schemaOnlyMember: [(String, JSONValue)] { schemaOnly ? [("schema_only", .bool(true))] : [] }

    private func reportSignature(_ sidecar: DetachedSignature.Sidecar?) -> SignatureReport? {
        guard let key = sidecar?.signature?.publicKey else { return nil }
        return SignatureReport(key: key, path: DetachedSignature.signaturePath(for: output))
    }

    /// Whether SOURCE is a PostgreSQL connection string.
    private var isPostgres: Bool {
        if case .postgres? = try? ConnectionTarget.parse(source) { return true }
        return false
    }

    func run() throws {
        CLIOutput.jsonToStandardError = output == "-"
        try PathChecks.checkOutput(output)
        if case .postgres(let conninfo)? = try? ConnectionTarget.parse(source) {
            return try exportPostgres(conninfo: conninfo)
        }
        var options = SQLiteExportOptions()
        options.recipients = try encryption.resolve()
        options.tables = TableFilter(include: tables, exclude: excludedTables)
        options.typeOverrides = try types.map { try TypeOverride(parsing: $0) }
        options.assumeTimeZone = assumeTimeZone
        options.inferFromValues = inferFromValues
        options.schemaOnly = schemaOnly
        options.compressionLevel = compressionLevel
        if let threads { options.threads = threads }
        options.producer = AuthxVersion.producer
        options.isCancelled = { ExportInterrupt.flag.load(ordering: .relaxed) }
        let sidecar = try signatureSidecar()
        options.sidecars = sidecar.map { [$0] } ?? []
        let progress = ProgressRenderer.make("export", quiet: quiet || json)
        options.progress = progress?.handler

        // A source that is no SQLite database or URL is a usage error (exit 2), found before anything starts.
        let resolved: SQLiteSource
        do { resolved = try SQLiteSource(source) } catch { throw CommandFailure.usage(error.message) }
        try PathChecks.checkSQLiteSource(source, path: resolved.path)
        ExportInterrupt.install()
        let destination: SQLiteExporter.Destination =
            output == "-" ? .fileDescriptor(1) : .file(path: output, overwrite: force)
        let summary: SQLiteExportSummary
        do {
            summary = try SQLiteExporter.export(source: source, to: destination, options: options)
        } catch let error as ArchiveError {
            progress?.finish()
            if ExportInterrupt.flag.load(ordering: .relaxed) {
                throw CommandFailure.interrupted("no archive was written")
            }
            throw Self.failure(for: error)
        } catch {
            progress?.finish()
            throw error
        }
        progress?.finish()
        let signature = reportSignature(sidecar)
        if json {
            CLIOutput.printJSONDocument(
                Self.jsonSummary(
                    summary, output: output, database: resolved.databaseName,
                    more: schemaOnlyMember + (signature?.jsonMember ?? [])))
            return
        }
        guard !quiet else { return }
        for warning in summary.skippedTables { printError("note: \(warning)") }
        for warning in summary.warnings { printError("warning: \(warning)") }
        let views = summary.objects.filter { $0.type == "view" }.count
        let triggers = summary.objects.filter { $0.type == "trigger" }.count
        let megabytes = Double(summary.archive.bytes) / 1_000_000
        let rate = summary.seconds > 0 ? Double(summary.archive.uncompressedBytes) / 1_000_000 / summary.seconds : 0
        var line = "exported \(summary.archive.tables) tables, \(schemaOnly ? "schema only (no rows)" : "\(summary.archive.rows) rows")"
        if views + triggers > 0 { line += ", \(views) views, \(triggers) triggers" }
        line += " to \(output == "-" ? "standard output" : output)"
        line += String(format: " (%.1f MB, %.2f s, %.0f MB/s of JSON)", megabytes, summary.seconds, rate)
        if output != "-" { line += "; sha256 \(summary.archive.sha256)" }
        printError(line)
        if let signature { printError(signature.line) }
    }

    /// PostgreSQL → archive.
    private func exportPostgres(conninfo: String) throws {
        var options = PostgresExport.Options()
        options.writer.recipients = try encryption.resolve()
        options.schema = schema
        options.schemaOnly = schemaOnly
        options.tables = TableFilter(include: tables, exclude: excludedTables)
        options.writer.compressionLevel = compressionLevel
        if let threads { options.writer.threads = threads }
        options.producer = AuthxVersion.producer
        if let timeout = lockWait.duration { options.lockWaitTimeout = timeout }
        options.isCancelled = { ExportInterrupt.flag.load(ordering: .relaxed) }
        let sidecar = try signatureSidecar()
        options.writer.sidecars = sidecar.map { [$0] } ?? []
        let progress = ProgressRenderer.make("export", quiet: quiet || json)
        options.progress = progress?.handler
        ExportInterrupt.install()
        let destination: PostgresExport.Destination =
            output == "-" ? .fileDescriptor(1) : .file(path: output, overwrite: force)
        let summary: PostgresExport.Summary
        do {
            summary = try PostgresExport.export(from: conninfo, to: destination, options: options)
        } catch {
            progress?.finish()
            if ExportInterrupt.flag.load(ordering: .relaxed) {
                throw CommandFailure.interrupted("no archive was written")
            }
            if let error = error as? PostgresError {
                throw CLIErrors.failure(for: error, verbose: verbose)
            }
            if let error = error as? ArchiveError { throw Self.failure(for: error) }
            throw error
        }
        progress?.finish()
        let signature = reportSignature(sidecar)
        if json {
            CLIOutput.printJSONDocument(
                Self.json(
                    archive: summary.archive, output: output, seconds: summary.seconds,
                    source: [
                        ("backend", .string("postgresql")), ("database", .string(summary.database)),
                        ("schema", .string(summary.schema)),
                    ],
                    tables: summary.tables.map { JSONReport.table($0.name, rows: $0.rows) },
                    objects: summary.views.map { ("view", $0) },
                    warnings: summary.notes.map { JSONReport.warning($0, code: "note") },
                    more: schemaOnlyMember + (signature?.jsonMember ?? [])))
            return
        }
        guard !quiet else { return }
        for note in summary.notes { printError("note: \(note)") }
        let megabytes = Double(summary.archive.bytes) / 1_000_000
        var line = "exported \(summary.archive.tables) tables, \(schemaOnly ? "schema only (no rows)" : "\(summary.archive.rows) rows")"
        if !summary.views.isEmpty { line += ", \(summary.views.count) views" }
        line += " of \(summary.database) (schema \(summary.schema)) to \(output == "-" ? "standard output" : output)"
        line += String(format: " (%.1f MB, %.2f s)", megabytes, summary.seconds)
        if output != "-" { line += "; sha256 \(summary.archive.sha256)" }
        printError(line)
        if let signature { printError(signature.line) }
    }

    /// An export's archive error: option problems found once the schema is known (`--table`, `--type`,
    /// `--assume-timezone`) are usage errors; a value the format cannot hold is the source's, not an invalid
    /// archive (exit 3).
    static func failure(for error: ArchiveError) -> CommandFailure {
        if error.code == .invalidValue && error.message.hasPrefix("--") {
            return .usage(error.description)
        }
        if error.code == .invalidValue {
            return CommandFailure(code: error.code.name, message: error.description, exitCode: CLIErrors.runtime)
        }
        return CLIErrors.failure(for: error) ?? CommandFailure(code: "runtime", message: "\(error)", exitCode: CLIErrors.runtime)
    }

    /// The `--json` summary of a SQLite export.
    static func jsonSummary(
        _ summary: SQLiteExportSummary, output: String, database: String, more: [(String, JSONValue)] = []
    ) -> JSONValue {
        let tables = summary.tables.map { table in
            JSONReport.table(
                table.name, rows: table.rows,
                [
                    ("columns", .array(table.columns.map { column in
                        var members: [(String, JSONValue)] = [
                            ("name", .string(column.name)), ("type", .string(column.type.rawValue)),
                            ("nullable", .bool(column.nullable)),
                        ]
                        if let encoding = column.encoding { members.append(("encoding", .string(encoding.rawValue))) }
                        if let sourceType = column.sourceType { members.append(("source_type", .string(sourceType))) }
                        if let zone = column.timeZone { members.append(("time_zone", .string(zone))) }
                        return .object(members)
                    }))
                ])
        }
        return json(
            archive: summary.archive, output: output, seconds: summary.seconds,
            source: [("backend", .string("sqlite")), ("database", .string(database))], tables: tables,
            objects: summary.objects.map { ($0.type, $0.name) },
            warnings: summary.skippedTables.map { JSONReport.warning($0, code: "skipped_table") }
                + summary.warnings.map { JSONReport.warning($0, code: "type_inference") },
            more: more)
    }

    /// The `--json` summary of an export: the same members for both sources (spec/cli/export.schema.json).
    static func json(
        archive: ArchiveWriter.Summary, output: String, seconds: Double, source: [(String, JSONValue)],
        tables: [JSONValue], objects: [(type: String, name: String)], warnings: [JSONValue],
        more: [(String, JSONValue)] = []
    ) -> JSONValue {
        JSONReport.document(
            "export",
            [
                ("archive", .string(output)), ("bytes", .integer(archive.bytes)),
                ("uncompressed_bytes", .integer(archive.uncompressedBytes)), ("sha256", .string(archive.sha256)),
                ("rows", .integer(archive.rows)), ("seconds", JSONReport.seconds(seconds)),
                ("source", .object(source)), ("tables", .array(tables)),
                ("objects", .array(objects.map { .object([("type", .string($0.type)), ("name", .string($0.name))]) })),
                ("warnings", .array(warnings)),
            ] + more)
    }
}

/// Ctrl-C and SIGTERM make the export stop and discard its archive; a second signal kills at once (the
/// unpublished archive is an unnamed temp file, so nothing remains either way).
enum ExportInterrupt {
    static let flag = Atomic<Bool>(false)

    static func install() {
        signal(SIGINT, ExportInterrupt.handler)
        signal(SIGTERM, ExportInterrupt.handler)
        signal(SIGHUP, ExportInterrupt.handler)
        // A parent may have started us with these signals blocked (the mask is inherited): unblock them.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGHUP)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    private static let handler: @convention(c) (Int32) -> Void = { signalNumber in
        ExportInterrupt.flag.store(true, ordering: .relaxed)
        signal(signalNumber, SIG_DFL)
    }
}
