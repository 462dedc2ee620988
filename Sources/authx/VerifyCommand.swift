import ArgumentParser
import AuthExport
import AuthExportPostgres
import AuthExportSQLite
import Synchronization

/// `authx verify FILE`: checks an archive offline.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an archive offline: integrity (gzip framing, CRCs, checksums, counts, truncation), conformance (arity, types, nullability) and, with --keys, keys and references.",
        discussion: """
            Exit status 0 when the archive is valid, 1 when a problem was found, 3 when it cannot be read.

            With --against DATABASE (a PostgreSQL URL or a SQLite path/URL), checks a restored database against \
            the archive instead: schema (columns, logical types, NOT NULL, keys, UNIQUE, foreign keys, index \
            names), every row by primary key (whole row without one), identity/serial sequences past the highest \
            key; values in the archive's logical form. Exit 0 when they match, 1 when they differ, 3 when the \
            database cannot be read. After restore --data-only into the application's own tables, add --data-only: \
            the rows and sequences are compared, and of the schema only that every archive column is there.
            """
    )

    @Argument(help: "The archive file, or - for standard input.")
    var file: String

    @Flag(help: "Print a machine-readable JSON report on standard output.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print nothing but problems.")
    var quiet = false

    @Option(help: "Stop after this many problems.")
    var maxProblems = 20

    @OptionGroup(title: "Encrypted archives") var decrypt: DecryptionOptions

    @Flag(name: .customLong("keys"), help: "Also check keys: no primary key or UNIQUE value twice, every foreign key value has its row (memory grows with the keys).")
    var keys = false

    @OptionGroup var signaturePolicy: SignaturePolicyOptions

    @Option(help: ArgumentHelp("Compare the archive with this restored database (PostgreSQL URL or SQLite path).", valueName: "DATABASE"))
    var against: String?

    @Option(help: ArgumentHelp("With --against PostgreSQL: the schema restored into (default: the current schema).", valueName: "NAME"))
    var schema: String?

    @Option(name: .customLong("table"), help: ArgumentHelp("With --against: compare only tables matching GLOB (repeatable).", valueName: "GLOB"))
    var tables: [String] = []

    @Option(name: .customLong("exclude-table"), help: ArgumentHelp("With --against: leave out tables matching GLOB (repeatable).", valueName: "GLOB"))
    var excludedTables: [String] = []

    @Flag(name: .customLong("data-only"), help: "With --against: the tables are the application's own (restore --data-only into the schema its migrations made): compare the rows and sequences; of the schema only that every archive column is there.")
    var dataOnly = false

    @OptionGroup var comparison: ComparisonOptions

    @OptionGroup var lockWait: LockWaitTimeoutOption

    func validate() throws {
        if against == nil && (schema != nil || !tables.isEmpty || !excludedTables.isEmpty || dataOnly) {
            throw ValidationError("--schema, --table, --exclude-table and --data-only apply with --against DATABASE only")
        }
        if against != nil && keys {
            throw ValidationError("--keys checks an archive alone; with --against the database's keys are compared instead")
        }
        if against != nil && file == "-" {
            throw ValidationError("--against reads FILE alongside the database: give a file, not standard input")
        }
    }

    func run() throws {
        try PathChecks.checkArchive(file)
        var options = ArchiveVerifier.Options()
        options.maxProblems = max(1, maxProblems)
        options.checkKeys = keys
        // The signature first: an archive not signed by an allowed signer is rejected before any other check.
        // (With --json a rejection is the common failure document: ok false, error.code signature_…/signer_….)
        // Its file, namespace and policy are judged now; the signature over the bytes on the verification's one
        // read, and `settle()` then reports a bad signature in place of anything else the read found.
        let signature = try signaturePolicy.check(file: file, firstReading: false)
        // A FILE.sha256 beside the archive is checked on the same read: a stale or damaged one fails (exit 1).
        // Both see the bytes of the file as stored (the ciphertext, for an encrypted archive).
        let sidecar = file == "-" ? nil : try ChecksumFile.StreamCheck(file: file)
        // Their hashing runs on a thread of its own, off the reader's thread (the one that orders every check).
        let byteCheck = ArchiveByteChecks.combined([signature?.stream, sidecar]).map { BackgroundByteCheck($0) }
        options.reader.byteCheck = byteCheck
        options.reader.decryption = try decrypt.decryption(command: "verify")
        if let against { return try verifyAgainst(against, byteCheck: byteCheck, signature: signature) }
        let progress = ProgressRenderer.make("verify", quiet: quiet || json, totals: ProgressRenderer.totals(ofArchive: file))
        let report: ArchiveVerifier.Report
        do {
            report = try ArchiveVerifier(path: file, options: options).run(progress: progress?.handler)
        } catch {
            progress?.finish()
            try signature?.settle()
            throw error
        }
        progress?.finish()
        try signature?.settle()
        if json {
            let failure = report.problems.first.map { problem -> JSONValue in
                .object([
                    ("code", .string(problem.code.name)), ("message", .string(problem.description)),
                    ("hint", .string("\(report.problems.count) problem(s) in \"problems\"")),
                ])
            } ?? .object([
                ("code", .string("truncated")), ("message", .string("\(file): incomplete archive")), ("hint", .null),
            ])
            CLIOutput.printJSONDocument(
                JSONReport.document("verify", ok: report.isValid, [
                    ("path", .string(file)), ("valid", .bool(report.isValid)), ("complete", .bool(report.complete)),
                    ("format_version", report.header.map { .string($0.version) } ?? .null),
                    ("tables", .array(report.tables.map { t in
                        .object([("name", .string(t.name)), ("rows", .integer(t.rows)), ("checked", .bool(t.checked))])
                    })),
                    ("rows", .integer(report.rows)), ("bytes", .integer(report.bytes)),
                    ("problems", .array(report.problems.map(\.json))), ("warnings", .array([])),
                ] + (report.isValid ? [] : [("error", failure)]) + (signature?.jsonMember ?? [])))
        } else if report.isValid {
            if !quiet {
                if let line = signature?.line { printLine("\(file): \(line)") }
                printLine("\(file): OK: \(report.tables.count) tables, \(report.rows) rows, \(formatBytes(report.bytes))")
            }
        } else {
            for problem in report.problems { printError("\(problem)") }
            if report.problems.isEmpty { printError("\(file): incomplete archive") }
            printError("\(file): INVALID (\(report.problems.count) problem\(report.problems.count == 1 ? "" : "s") found)")
        }
        if !report.isValid { throw CLIErrors.invalid }
    }
}


extension VerifyCommand {
    /// `verify FILE --against DATABASE`: the restored database compared with the archive.
    private func verifyAgainst(_ target: String, byteCheck: (any ArchiveByteCheck)?, signature: SignatureCheck?) throws {
        let destination: ConnectionTarget
        do {
            destination = try ConnectionTarget.parse(target)
        } catch {
            throw ValidationError(error.message)
        }
        ExportInterrupt.install()
        let filter = TableFilter(include: tables, exclude: excludedTables)
        let shown: String
        var reader = comparison.readerOptions
        reader.byteCheck = byteCheck
        reader.decryption = try decrypt.decryption(command: "verify")
        let report: RecordComparator.Report
        do {
            report = try compare(destination, filter: filter, reader: reader)
        } catch {
            // A bad signature is reported in place of any failure (the database's too), but not after Ctrl-C.
            if !ExportInterrupt.flag.load(ordering: .relaxed) { try signature?.settle() }
            throw error
        }
        try signature?.settle()
        switch destination {
        case .postgres(let conninfo): shown = ConnectionTarget.redact(conninfo)
        case .sqlite(let path): shown = path
        }
        // Every archive row is there and only the schema differs (not for want of a column), or the database
        // has tables of its own: the application's own tables, most likely.
        let schemaOnly =
            !dataOnly && !report.isSame
            && report.tables.allSatisfy { table in
                table.isSame || table.presence == .onlyNew
                    || (table.presence == .both && table.added == 0 && table.removed == 0 && table.changed == 0
                        && table.sequenceProblems.isEmpty
                        && !table.schemaChanges.contains { $0.hasPrefix("column ") && $0.hasSuffix(" removed") })
            }
        comparison.print(
            report, command: "verify", json: json, quiet: quiet, old: file, new: shown, added: "only in database",
            removed: "only in archive", same: "MATCH", different: "DIFFER",
            hint: schemaOnly
                ? "every archive row matches; only the schema differs (or the database has tables of its own). If the application made these tables (restore --data-only), add --data-only to compare the data alone"
                : nil)
        if !report.isSame { throw CLIErrors.invalid }
    }

    /// Compares the archive with the database, reading the archive once.
    private func compare(_ destination: ConnectionTarget, filter: TableFilter, reader: ArchiveReader.Options) throws
        -> RecordComparator.Report
    {
        try comparison.withProgress(quiet: quiet || json) { progress in
            var compareOptions = comparison.comparatorOptions()
            compareOptions.progress = progress
            compareOptions.dataOnly = dataOnly
            switch destination {
            case .postgres(let conninfo):
                var options = PostgresExport.Options()
                options.schema = schema
                options.tables = filter
                options.isCancelled = { ExportInterrupt.flag.load(ordering: .relaxed) }
                if let timeout = lockWait.duration { options.lockWaitTimeout = timeout }
                return try PostgresExport.compare(
                    archive: file, against: conninfo, options: options, comparison: compareOptions, reader: reader)
            case .sqlite(let path):
                if schema != nil { throw ValidationError("--schema applies to PostgreSQL databases only") }
                try PathChecks.checkSQLiteSource(against ?? path, path: path)
                var options = SQLiteExportOptions()
                options.tables = filter
                options.isCancelled = { ExportInterrupt.flag.load(ordering: .relaxed) }
                return try SQLiteExporter.compare(
                    archive: file, against: path, options: options, comparison: compareOptions, reader: reader)
            }
        }
    }
}
