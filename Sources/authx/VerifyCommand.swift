import ArgumentParser
import AuthExport

/// `authx verify FILE`: checks an archive offline.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an archive offline: integrity (gzip framing, CRCs, checksums, counts, truncation), conformance (arity, types, nullability) and, with --keys, keys and references.",
        discussion: "Exit status 0 when the archive is valid, 1 when a problem was found, 3 when it cannot be read."
    )

    @Argument(help: "The archive file, or - for standard input.")
    var file: String

    @Flag(help: "Print a machine-readable JSON report on standard output.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print nothing but problems.")
    var quiet = false

    @Option(help: "Stop after this many problems.")
    var maxProblems = 20

    @Flag(help: "Also check keys: no primary key or UNIQUE value twice, every foreign key value has its row (memory grows with the keys).")
    var keys = false

    @OptionGroup var signaturePolicy: SignaturePolicyOptions

    func run() throws {
        try PathChecks.checkArchive(file)
        var options = ArchiveVerifier.Options()
        options.maxProblems = max(1, maxProblems)
        options.checkKeys = keys
        // The signature first: an archive not signed by an allowed signer is rejected before any other check.
        // (With --json a rejection is the common failure document: ok false, error.code signature_…/signer_….)
        let signature = try signaturePolicy.check(file: file)
        options.reader.byteCheck = signature?.stream
        let progress = ProgressPrinter.handler(quiet: quiet || json)
        let report: ArchiveVerifier.Report
        do {
            report = try ArchiveVerifier(path: file, options: options).run(progress: progress?.1)
        } catch {
            progress?.0.finish()
            throw error
        }
        progress?.0.finish()
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
                if let line = signature?.line { print("\(file): \(line)") }
                print("\(file): OK: \(report.tables.count) tables, \(report.rows) rows, \(formatBytes(report.bytes))")
            }
        } else {
            for problem in report.problems { printError("\(problem)") }
            if report.problems.isEmpty { printError("\(file): incomplete archive") }
            printError("\(file): INVALID (\(report.problems.count) problem\(report.problems.count == 1 ? "" : "s") found)")
        }
        if !report.isValid { throw CLIErrors.invalid }
    }
}
