import ArgumentParser
import AuthExport

/// `authx inspect FILE`: what is inside an archive, from its index.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show an archive's header and one line per table (rows, sizes, columns), like pg_restore --list.",
        discussion: "Reads only the header, the end record and each table record, through the archive's index. It checks nothing: use verify for that."
    )

    @Argument(help: "The archive file.")
    var file: String

    @OptionGroup(title: "Encrypted archives") var decrypt: DecryptionOptions

    @Flag(help: "Print JSON on standard output: the header, every table record with its index entry, the objects.")
    var json = false

    @OptionGroup var signaturePolicy: SignaturePolicyOptions

    func run() throws {
        try PathChecks.checkArchive(file)
        // Whether FILE.sig sits beside the archive and, with --allowed-signers, whether it holds (a rejection is
        // exit 1, as for verify; the check reads the whole file, as stored, once).
        let signature = try signaturePolicy.status(file: file)
        try Self.printListing(
            path: file, json: json, command: "inspect", decryption: try decrypt.decryption(command: "inspect"),
            signature: signature)
    }

    /// Prints what an archive holds (`inspect`, `restore --list`): `decryption` for an encrypted one, with the
    /// signature's status when known.
    static func printListing(
        path file: String, json: Bool, command: String, decryption: ArchiveDecryption?, signature: SignatureStatus? = nil
    ) throws {
        try PathChecks.checkArchive(file)
        var options = ArchiveReader.Options()
        options.decryption = decryption
        let listing = try ArchiveListing(path: file, options: options)
        if json {
            CLIOutput.printJSONDocument(
                JSONReport.document(command, [
                    ("path", .string(file)), ("file_bytes", .integer(listing.fileSize)),
                    ("encryption", listing.encryption.map { .string($0) } ?? .null),
                    ("bytes_read", .integer(listing.bytesRead)),
                    ("header", RecordCodec.json(listing.header)),
                    ("tables", .array(listing.tables.map { table, entry in
                        JSONReport.table(
                            table.name, rows: entry.rows,
                            [("table", RecordCodec.json(table)), ("index", RecordCodec.json(entry))])
                    })),
                    ("objects", .array(listing.objects.map(RecordCodec.json))),
                    ("tables_count", .integer(Int64(listing.end.tables))), ("rows", .integer(listing.end.rows)),
                    ("warnings", .array([])),
                ] + (signature.map { [("signature", $0.json)] } ?? [])))
            return
        }
        let h = listing.header
        printLine("archive:  \(file) (\(formatBytes(listing.fileSize)))")
        if let encryption = listing.encryption { printLine("encrypt:  \(encryption)") }
        printLine("format:   \(FormatVersion.formatName) \(h.version), created \(h.createdAt) by \(h.producer)")
        var source = "\(h.source.backend) database \(h.source.database)"
        if let version = h.source.serverVersion { source += " (version \(version))" }
        printLine("source:   \(source)")
        printLine("contents: \(listing.end.tables) tables, \(listing.end.rows) rows, \(listing.objects.count) views/triggers")
        if let signature { printLine("signature: \(signature.text)") }
        printLine()
        let nameWidth = min(40, max(5, listing.tables.map { $0.schema.name.count }.max() ?? 5))
        printLine(pad("TABLE", nameWidth) + "  " + lpad("ROWS", 10) + "  " + lpad("COMPRESSED", 10) + "  " + lpad("RAW", 10) + "  COLUMNS")
        for (table, entry) in listing.tables {
            let columns = table.columns.map { c -> String in
                var s = "\(c.name) \(c.type.rawValue)"
                if !c.nullable { s += "!" }
                if table.primaryKey.contains(c.name) { s += "*" }
                return s
            }.joined(separator: ", ")
            printLine(
                pad(table.name, nameWidth) + "  " + lpad("\(entry.rows)", 10) + "  " + lpad(formatBytes(entry.compressedBytes), 10)
                    + "  " + lpad(formatBytes(entry.uncompressedBytes), 10) + "  " + columns)
        }
        for object in listing.objects {
            printLine("\(object.type) \(object.name)" + (object.table.map { " on \($0)" } ?? ""))
        }
        printLine()
        printLine("(! = NOT NULL, * = primary key)")
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    private static func lpad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }
}
