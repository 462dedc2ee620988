#if canImport(Glibc)
import Glibc
#endif

/// Lists an archive's contents from its header, end record and table records only, like `pg_restore --list`.
///
/// It reads the first gzip member, the end member (found from the file's last 4 bytes), and the member holding each
/// table record (found through the end record's index): whatever the number of rows, a member per table. authx
/// writes each table record alone in its member (spec/FORMAT.md §2.3), so that is a few hundred bytes per table; in
/// an archive whose table record shares its member with rows (older authx, other writers) it is that member, up to
/// about 1 MiB compressed. It checks nothing beyond what it reads; use ``ArchiveVerifier`` for that.
public struct ArchiveListing: Sendable {
    /// The header record.
    public var header: ArchiveHeader
    /// Each table's schema with its index entry (offset, sizes, rows), in archive order.
    public var tables: [(schema: TableSchema, entry: ArchiveEnd.IndexEntry)]
    /// Views, triggers and other schema objects.
    public var objects: [SchemaObject]
    /// The end record.
    public var end: ArchiveEnd
    /// The file size in bytes (as stored: encrypted, when it is).
    public var fileSize: Int64
    /// Bytes read from the file to make this listing.
    public var bytesRead: Int64
    /// How the file is encrypted (`age, 1 recipient (X25519)`), nil when it is plain.
    public var encryption: String?

    /// Reads the listing of the archive at `path` (a seekable file; an age-encrypted one is decrypted with
    /// `options.decryption`, reading only the chunks that hold the records listed).
    ///
    /// - Throws: `ArchiveError` `.io` if the file cannot be read or is not seekable; `.truncated`,
    ///   `.badCompression` or `.badRecord` if the parts it reads are damaged; `.noIdentity` or `.badEncryption`
    ///   for an encrypted file that cannot be decrypted.
    public init(path: String, options: ArchiveReader.Options = ArchiveReader.Options()) throws {
        guard let input = try ArchiveInput.openRandomAccess(path: path, decryption: options.decryption) else {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw FileIO.ioError("cannot open archive", path: path) }
            close(fd)
            throw ArchiveError(.io, "inspect needs a regular file (use verify to read a stream)", location: .init(path: path))
        }
        defer { input.close() }
        try self.init(input: input, path: path, options: options)
    }

    /// Reads the listing through an open input (which stays open).
    package init(input: any RandomAccessInput, path: String, options: ArchiveReader.Options) throws {
        let size = input.size
        let maxMember = options.maxLineBytes + ReaderLimits.memberTarget
        let decompressor = MemberDecompressor()
        var content: [UInt8] = []

        func fail(_ code: ArchiveError.Code, _ message: String, _ offset: Int64) -> ArchiveError {
            ArchiveError(code, message + " (run authx verify for a full check)", location: .init(path: path, byteOffset: offset))
        }

        /// Reads and inflates the member at `offset`; returns its size.
        func member(at offset: Int64, expectedSize: Int? = nil) throws -> Int {
            var header = [UInt8](repeating: 0, count: GzipMember.headerSize)
            let got = try header.withUnsafeMutableBytes { try input.read(into: $0, at: offset) }
            let memberSize: Int
            switch header.withUnsafeBytes({ GzipMember.parseHeader(UnsafeRawBufferPointer(rebasing: $0[..<got])) }) {
            case .success(let s): memberSize = s
            case .failure(let p): throw fail(p.isTruncated ? .truncated : .badCompression, p.message, offset + Int64(p.offset))
            }
            if let expectedSize, expectedSize != memberSize {
                throw fail(.badCompression, "the end member's size field does not match its content", offset)
            }
            guard memberSize <= maxMember * 2, offset + Int64(memberSize) <= size else {
                throw fail(.truncated, "gzip member extends past the end of the file", offset)
            }
            // The rest of the member only: its header was just read.
            var raw = header + [UInt8](repeating: 0, count: memberSize - GzipMember.headerSize)
            _ = try raw.withUnsafeMutableBytes {
                try input.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[GzipMember.headerSize...]), at: offset + Int64(GzipMember.headerSize))
            }
            do {
                try raw.withUnsafeBytes { try decompressor.inflate(member: $0, maxSize: maxMember, into: &content) }
            } catch let p as MemberDecompressor.Problem {
                throw fail(.badCompression, p.message, offset + Int64(p.offset))
            }
            return memberSize
        }

        func parse(_ line: ArraySlice<UInt8>) -> JSONValue? {
            line.withUnsafeBytes { raw -> JSONValue? in
                var scanner = JSONScanner(raw, maxDepth: options.maxDepth)
                guard scanner.peek() == UInt8(ascii: "{") else { return nil }
                return try? scanner.parseValue()
            }
        }

        func lines() -> [JSONValue?] {
            content.split(separator: UInt8(ascii: "\n")).map(parse)
        }

        /// The first (`last: false`) or last non-empty line of the member just read, parsed; nil when there is
        /// none. Only that line is looked at: a table's first member holds about 1 MiB of rows after its record,
        /// and parsing them all made the listing cost more than the rest of a small archive's verify.
        func line(last: Bool) -> JSONValue? {
            let newline = UInt8(ascii: "\n")
            var start = content.startIndex
            var end = content.endIndex
            if last {
                while end > start && content[end - 1] == newline { end -= 1 }
                start = content[start..<end].lastIndex(of: newline).map { $0 + 1 } ?? start
            } else {
                while start < end && content[start] == newline { start += 1 }
                end = content[start..<end].firstIndex(of: newline) ?? end
            }
            return start < end ? parse(content[start..<end]) : nil
        }

        func decode<T>(_ offset: Int64, _ body: () throws(RecordCodec.Failure) -> T) throws -> T {
            do { return try body() } catch { throw fail(.badRecord, error.message, offset) }
        }

        guard size >= Int64(GzipMember.minimumSize) else {
            throw fail(.truncated, "file is too small to be an archive", 0)
        }
        // Header.
        _ = try member(at: 0)
        guard let headerJSON = line(last: false) else { throw fail(.badRecord, "the first line is not a header record", 0) }
        if case .string(let version) = headerJSON["version"] ?? .null, FormatVersion.isSupported(version) == false {
            throw ArchiveError(
                .unsupportedVersion,
                "archive format version \(version) is not supported (this authx reads version \(FormatVersion.major).x)",
                location: .init(path: path, line: 1))
        }
        header = try decode(0) { () throws(RecordCodec.Failure) in try RecordCodec.header(headerJSON) }

        // End record: the last member; its size follows from ISIZE, as it is made of stored blocks.
        var tail = [UInt8](repeating: 0, count: 4)
        _ = try tail.withUnsafeMutableBytes { try input.read(into: $0, at: size - 4) }
        let endContentSize = Int(tail.withUnsafeBytes { GzipMember.readUInt32LE($0, at: 0) })
        let endSize = Int64(GzipMember.storedMemberSize(contentSize: endContentSize))
        guard endContentSize <= maxMember, endSize < size else {
            throw fail(.truncated, "no end record at the end of the file (truncated archive?)", size)
        }
        let endOffset = size - endSize
        _ = try member(at: endOffset, expectedSize: Int(endSize))
        guard let endJSON = line(last: true), case .string("end") = endJSON["kind"] ?? .null else {
            throw fail(.truncated, "no end record at the end of the file (truncated archive?)", endOffset)
        }
        end = try decode(endOffset) { () throws(RecordCodec.Failure) in try RecordCodec.end(endJSON) }

        // Table records, through the index.
        var tables: [(schema: TableSchema, entry: ArchiveEnd.IndexEntry)] = []
        var objectsStart: Int64 = 0
        for entry in end.index {
            guard entry.offset > 0, entry.offset < endOffset else {
                throw fail(.badRecord, "index entry for table \(entry.table) points outside the file", endOffset)
            }
            _ = try member(at: entry.offset)
            guard let tableJSON = line(last: false) else {
                throw fail(.badRecord, "no table record where the index says table \(entry.table) starts", entry.offset)
            }
            let schema = try decode(entry.offset) { () throws(RecordCodec.Failure) in try RecordCodec.table(tableJSON) }
            tables.append((schema, entry))
            objectsStart = max(objectsStart, entry.offset + entry.compressedBytes)
        }
        self.tables = tables

        // Objects: the members between the last table and the end member.
        var objects: [SchemaObject] = []
        var offset = objectsStart == 0 ? Int64(try member(at: 0)) : objectsStart
        while offset < endOffset {
            let memberSize = try member(at: offset)
            for case .some(let json) in lines() where json["kind"] == "object" {
                objects.append(try decode(offset) { () throws(RecordCodec.Failure) in try RecordCodec.object(json) })
            }
            offset += Int64(memberSize)
        }
        self.objects = objects
        encryption = input.encryption
        var st = stat()
        fileSize = stat(path, &st) == 0 ? Int64(st.st_size) : size
        bytesRead = input.bytesRead
    }
}
