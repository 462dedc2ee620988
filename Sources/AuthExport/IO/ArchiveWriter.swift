import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// Writes an archive, streaming: header, then tables with their rows, then views and triggers, then ``finish()``.
///
/// Rows are cut into gzip members of about 1 MiB that are compressed in parallel; memory stays bounded whatever the
/// archive size. Written to a file, the archive appears under its name only when ``finish()`` succeeds (mode 0600),
/// together with a `NAME.sha256` file in `sha256sum` format; on ``abort()``, an error or a crash nothing remains.
///
/// ```swift
/// let writer = try ArchiveWriter(path: "app.authx.gz", overwrite: false, header: header)
/// try writer.beginTable(users)
/// try writer.append([.text("0b9e8a52-3c4f-4a8e-9a7e-2f6d7c1e4b10"), .text("ada@example.com")])
/// try writer.endTable()
/// let summary = try writer.finish()
/// ```
///
/// Spec: spec/FORMAT.md
public final class ArchiveWriter {
    /// Tuning knobs.
    public struct Options: Sendable {
        /// The deflate level, 1 (fastest) to 12 (smallest; libdeflate levels), or 0: stored blocks, no compression
        /// (for an archive piped straight into a restore). Default 5: on auth databases it makes archives 0.4-0.7 %
        /// larger than level 6 for 4-9 % less export CPU (docs/export.md). A table of high-entropy text on which
        /// this level gains less than 3 % over level 1 goes on at level 1 after its first full member.
        public var compressionLevel: Int = 5
        /// Compression threads; 1 compresses on the calling thread. Default: the number of CPUs.
        public var threads: Int = ProcessInfoCPU.count
        /// Files made from the archive's bytes as they are written (a detached signature: `PATH.sig`), published
        /// beside it. Ignored when writing to a file descriptor. Default: none.
        public var sidecars: [any ArchiveSidecar] = []
        /// When not empty, the file is an age v1 file encrypted to these recipients whose plaintext is exactly the
        /// archive (readable by `age -d`); the `.sha256` file and ``Summary/sha256`` are of the encrypted bytes.
        /// A passphrase recipient must be the only one. Spec: spec/FORMAT.md#14-encrypted-archives
        public var recipients: [AgeRecipient] = []
        /// Creates the default options.
        public init() {}
    }

    /// What was written.
    public struct Summary: Sendable {
        /// Number of tables.
        public var tables: Int
        /// Number of rows in all tables.
        public var rows: Int64
        /// Size of the archive file in bytes (as written: encrypted, when it is).
        public var bytes: Int64
        /// Decompressed size of the archive in bytes.
        public var uncompressedBytes: Int64
        /// SHA-256 of the whole file as written, lowercase hex (as in the `.sha256` file).
        public var sha256: String
    }

    private let path: String?
    private let file: AtomicFile?
    private let overwrite: Bool
    private let pipeline: CompressionPipeline
    /// The deflate level asked for (``Options/compressionLevel``).
    private let level: Int
    /// The current table's compression effort (see ``Effort``).
    private var effort = Effort.undecided
    private let sidecars: [any ArchiveSidecar]
    /// The archive's bytes go through `output` (encryption, if any) to `fileBytes` and the file.
    private let output: any ByteSink
    private let fileBytes: FileBytesSink
    /// SHA-256 of the archive bytes (the plaintext), for the end record.
    private var fileHash = SHA256()
    private var bytesWritten: Int64 = 0
    private var uncompressedWritten: Int64 = 0

    private var member = ByteBuffer(capacity: ArchiveWriter.memberCapacity)
    /// Where the current table's row bytes not yet hashed start in `member` (nil outside a table).
    private var unhashedRows: Int?
    /// Member buffers given back by the pipeline, reused so no member costs a fresh allocation.
    private var spareBuffers: [[UInt8]] = []
    private var currentTable: TableSchema?
    private var currentSpecs: [CellSpec] = []
    private var tableHash = SHA256()
    private var tableRows: Int64 = 0
    private var totalRows: Int64 = 0
    private var index: [ArchiveEnd.IndexEntry] = []
    private var tableNames = Set<String>()
    private var objectsStarted = false
    private var state: State = .open

    private enum State { case open, finished, aborted }

    /// Whether the asked level's effort pays on the current table. Its first full member of rows is also
    /// compressed at libdeflate's fastest level; where the asked level makes it less than
    /// ``effortPaysBelow`` smaller than that, the table's later members are compressed at the fastest level.
    /// Text of high entropy — password hashes, tokens, signed session data, base64 blobs, the bulk of an auth
    /// database — has few repeats for a deeper match search to find, and deflate's Huffman coding gets what there
    /// is to get at any level. The choice depends only on the content, so archives stay byte-identical whatever the
    /// thread count (spec §11).
    private enum Effort {
        case undecided
        case probing(sequence: Int)
        case decided(level: Int)
    }

    /// The asked level must make a table's probed member smaller than `fast × effortPaysBelow` to be kept.
    static let effortPaysBelow = 0.97

    private static let noTable = -1
    private static let objectsTag = -2

    /// Creates the archive file `path` (published on ``finish()``) and writes the header.
    ///
    /// - Throws: `ArchiveError` with code `.io` if `path` exists and `overwrite` is false, or cannot be created.
    public convenience init(path: String, overwrite: Bool, header: ArchiveHeader, options: Options = Options()) throws {
        let file = try AtomicFile(path: path, overwrite: overwrite)
        try self.init(file: file, fd: file.fd, path: path, overwrite: overwrite, header: header, options: options)
    }

    /// Writes the archive to an open file descriptor, such as standard output (no `.sha256` file).
    public convenience init(fileDescriptor: Int32, header: ArchiveHeader, options: Options = Options()) throws {
        try self.init(file: nil, fd: fileDescriptor, path: nil, overwrite: false, header: header, options: options)
    }

    private init(file: AtomicFile?, fd: Int32, path: String?, overwrite: Bool, header: ArchiveHeader, options: Options)
        throws
    {
        self.file = file
        self.path = path
        self.overwrite = overwrite
        self.sidecars = path == nil ? [] : options.sidecars
        for sidecar in sidecars { sidecar.start() }
        self.fileBytes = FileBytesSink(next: FileDescriptorSink(fd: fd, path: path ?? "-"), sidecars: sidecars)
        self.output = options.recipients.isEmpty
            ? fileBytes : try AgeEncryptingSink(recipients: options.recipients, next: fileBytes)
        self.level = min(12, max(0, options.compressionLevel))
        self.pipeline = CompressionPipeline(threads: max(1, options.threads))
        appendLine(RecordCodec.json(header))
        try submitMember(tag: Self.noTable)
    }

    deinit {
        if state == .open { abort() }
    }

    private var location: ArchiveError.Location { .init(path: path, table: currentTable?.name) }

    /// Starts a table: its rows follow, then ``endTable()``.
    ///
    /// - Throws: `ArchiveError` `.invalidValue` for a table without columns or a repeated table name.
    public func beginTable(_ schema: TableSchema) throws {
        precondition(state == .open && currentTable == nil && !objectsStarted, "beginTable() out of order")
        guard !schema.columns.isEmpty else {
            throw ArchiveError(.invalidValue, "a table needs at least one column", location: .init(path: path, table: schema.name))
        }
        guard tableNames.insert(schema.name).inserted else {
            throw ArchiveError(.invalidValue, "table appears twice", location: .init(path: path, table: schema.name))
        }
        currentTable = schema
        currentSpecs = schema.columns.map { CellSpec(type: $0.type, nullable: $0.nullable) }
        tableHash = SHA256()
        tableRows = 0
        effort = .undecided
        index.append(.init(table: schema.name, offset: -1, compressedBytes: 0, uncompressedBytes: 0, rows: 0))
        appendLine(RecordCodec.json(schema))
        // The table record gets a member of its own (spec §2.3 rule 4): a listing then reads a few hundred bytes
        // per table instead of inflating a member of about 1 MiB of rows to get at its first line.
        try submitMember(tag: index.count - 1)
        unhashedRows = 0
    }

    /// Appends a row of the current table, one value per column.
    ///
    /// - Throws: `ArchiveError` `.invalidValue` naming the column when a value does not fit (the row is not written).
    public func append(_ row: [Value]) throws {
        try appendRow { encoder in
            for value in row { try encoder.append(value) }
        }
    }

    /// Appends a row through a ``RowEncoder`` (the fast path: no intermediate values).
    ///
    /// - Throws: `ArchiveError` `.invalidValue` naming the column when a cell does not fit (the row is not written),
    ///   or whatever `encode` throws.
    public func appendRow(_ encode: (inout RowEncoder) throws -> Void) throws {
        guard let table = currentTable else { preconditionFailure("appendRow() outside a table") }
        let rowStart = member.count
        var encoder = RowEncoder(columns: table.columns, specs: currentSpecs, buffer: member)
        member = ByteBuffer()
        do {
            try encode(&encoder)
            try encoder.finish()
            member = encoder.buffer
        } catch let error as ArchiveError {
            member = encoder.buffer
            member.bytes.removeSubrange(rowStart...)
            throw error.filling(.init(path: path, table: table.name, row: tableRows + 1))
        } catch {
            member = encoder.buffer
            member.bytes.removeSubrange(rowStart...)
            throw error
        }
        tableRows += 1
        if member.count >= ReaderLimits.memberTarget { try submitMember(tag: index.count - 1, fullOfRows: true) }
    }

    /// Ends the current table with its row count and checksum.
    public func endTable() throws {
        guard let table = currentTable else { preconditionFailure("endTable() outside a table") }
        hashPendingRows()
        unhashedRows = nil
        let digest = hex(tableHash.finalize())
        appendLine(RecordCodec.json(TableEnd(table: table.name, rows: tableRows, sha256: digest)))
        index[index.count - 1].rows = tableRows
        totalRows += tableRows
        try submitMember(tag: index.count - 1)
        currentTable = nil
    }

    /// Appends a view, trigger or other schema object. All tables must have ended.
    public func append(_ object: SchemaObject) throws {
        precondition(state == .open && currentTable == nil, "append(object) inside a table")
        objectsStarted = true
        appendLine(RecordCodec.json(object))
        if member.count >= ReaderLimits.memberTarget { try submitMember(tag: Self.objectsTag) }
    }

    /// Writes the end record, flushes everything and publishes the file.
    ///
    /// - Returns: what was written.
    /// - Throws: `ArchiveError` `.io` if writing or publishing fails; the file is then discarded.
    @discardableResult
    public func finish() throws -> Summary {
        precondition(state == .open && currentTable == nil, "finish() inside a table or twice")
        do {
            if member.count > 0 { try submitMember(tag: Self.objectsTag) }  // the last objects
            try pipeline.flush(deliver)
            // `finalize()` leaves the running hash as it is: it goes on over the end member for the `.sha256` file.
            let end = ArchiveEnd(
                tables: index.count, rows: totalRows, sha256: hex(fileHash.finalize()), index: index)
            appendLine(RecordCodec.json(end))
            let endMember = member.bytes.withUnsafeBytes { GzipMember.storedMember($0) }
            uncompressedWritten += Int64(member.count)
            member.removeAll()
            try write(endMember)
            try output.finish()
            let fullHash = hex(fileBytes.sha256.finalize())
            // Made before the archive is published: a sidecar that cannot be made (an agent refusing to sign)
            // fails the export with nothing published.
            let sidecarContents = try sidecars.map { ($0.suffix, try $0.contents()) }
            try publish(sha256: fullHash, sidecars: sidecarContents)
            return Summary(
                tables: index.count, rows: totalRows, bytes: fileBytes.count, uncompressedBytes: uncompressedWritten,
                sha256: fullHash)
        } catch {
            abort()
            throw error
        }
    }

    /// Publishes the archive and its sidecars in the order of ``ChecksumFile``: the sidecars written and synced
    /// unnamed first (a full disk fails here, nothing published), the sidecars of an earlier archive of this name
    /// removed, the archive, the new sidecars. If a sidecar cannot be published after the archive was, an archive
    /// that took a free name is removed again (nothing published); one that replaced another stays, whole, and the
    /// error says its sidecar is missing.
    private func publish(sha256: String, sidecars contents: [(String, [UInt8])]) throws {
        guard let path, let file else {
            state = .finished
            pipeline.shutdown()
            return
        }
        var staged: [AtomicFile] = []
        defer { for sidecar in staged { sidecar.discard() } }
        for (suffix, bytes) in [(ChecksumFile.suffix, ChecksumFile.line(sha256: sha256, file: path))] + contents {
            staged.append(try AtomicFile.staged(bytes, path: path + suffix))
        }
        // A replaced archive passes its mode, owner and group on to the new one and to its sidecars.
        let replaced = overwrite ? FileIO.ownership(of: path) : nil
        for suffix in ChecksumFile.sidecarSuffixes { unlink(path + suffix) }
        try file.commit(ownership: replaced, what: "archive")
        state = .finished
        pipeline.shutdown()
        for sidecar in staged {
            do {
                try sidecar.commit(ownership: replaced, what: "file")
            } catch {
                if !overwrite {
                    unlink(path)
                    for other in staged { unlink(other.path) }
                    throw ArchiveError(
                        .io, "\(error.message); nothing was published", location: .init(path: path), underlying: error)
                }
                throw ArchiveError(
                    .io, "\(error.message); \(path) was written (whole, checked by its end record) without it",
                    location: .init(path: path), underlying: error)
            }
        }
    }

    /// Discards everything written; no file remains. Safe to call more than once.
    public func abort() {
        guard state == .open else { return }
        state = .aborted
        pipeline.shutdown()
        file?.discard()
    }

    // MARK: Internals

    private static let memberCapacity = ReaderLimits.memberTarget + 64 << 10

    private func appendLine(_ json: JSONValue) {
        json.write(to: &member)
        member.append(UInt8(ascii: "\n"))
    }

    /// Adds the row bytes of the current member to the table's checksum (once per member, not per row).
    private func hashPendingRows() {
        guard let start = unhashedRows, start < member.count else { return }
        member.bytes.withUnsafeBytes { tableHash.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[start...])) }
        unhashedRows = member.count
    }

    /// The level for the current table's next member; a full member of rows (`fullOfRows`) starts the probe
    /// (``Effort``) when there is none yet.
    private func memberLevel(fullOfRows: Bool) -> (level: Int, probe: Bool) {
        guard currentTable != nil, level > CompressionPipeline.fastLevel else { return (level, false) }
        switch effort {
        case .decided(let chosen):
            return (chosen, false)
        case .probing(let sequence):
            let probe = pipeline.probeResult(sequence)
            let chosen = Double(probe.full) < Double(probe.fast) * Self.effortPaysBelow ? level : CompressionPipeline.fastLevel
            effort = .decided(level: chosen)
            return (chosen, false)
        case .undecided:
            return (level, fullOfRows)
        }
    }

    private func submitMember(tag: Int, fullOfRows: Bool = false) throws {
        let (memberLevel, probe) = memberLevel(fullOfRows: fullOfRows)
        hashPendingRows()
        if unhashedRows != nil { unhashedRows = 0 }
        var content: [UInt8]
        if let spare = spareBuffers.popLast() {
            content = spare
            content.removeAll(keepingCapacity: true)
        } else {
            content = []
            content.reserveCapacity(Self.memberCapacity)
        }
        swap(&content, &member.bytes)
        uncompressedWritten += Int64(content.count)
        if tag >= 0 { index[tag].uncompressedBytes += Int64(content.count) }
        let sequence = try pipeline.submit(content, tag: tag, level: memberLevel, probe: probe, deliver: deliver)
        if probe { effort = .probing(sequence: sequence) }
    }

    private func deliver(_ done: CompressionPipeline.Done) throws {
        if done.tag >= 0 {
            if index[done.tag].offset < 0 { index[done.tag].offset = bytesWritten }
            index[done.tag].compressedBytes += Int64(done.member.count)
        }
        try write(done.member)
        if spareBuffers.count < 4 { spareBuffers.append(done.content) }
        pipeline.recycle(done.member)
    }

    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { buffer in
            fileHash.update(bufferPointer: buffer)
            try output.write(buffer)
        }
        bytesWritten += Int64(bytes.count)
    }
}

@available(*, unavailable)
extension ArchiveWriter: Sendable {}

/// Lowercase hex of a digest.
package func hex(_ digest: some Sequence<UInt8>) -> String {
    var out: [UInt8] = []
    for byte in digest {
        out.append(hexDigit(byte >> 4))
        out.append(hexDigit(byte & 0xF))
    }
    return String(decoding: out, as: UTF8.self)
}

/// The number of CPUs available to the process.
package enum ProcessInfoCPU {
    /// The online processor count (at least 1).
    package static var count: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
