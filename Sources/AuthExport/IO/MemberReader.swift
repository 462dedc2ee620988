#if canImport(Glibc)
import Glibc
#endif
import Crypto

/// Where an ``ArchiveReader`` gets its gzip members from: in order, inflated, with the file checksum so far.
protocol MemberSource: AnyObject {
    /// Moves to the next member; false at a clean end of file.
    func nextMember() throws -> Bool
    /// File offset of the current member.
    var memberOffset: Int64 { get }
    /// File offset just after the current member.
    var memberEnd: Int64 { get }
    /// The current member's bytes as stored.
    var raw: [UInt8] { get }
    /// The current member's decompressed bytes.
    var content: [UInt8] { get }
    /// Row lines of the current member already checked on a worker thread, if any.
    var rowChecks: RowChecks? { get }
    /// SHA-256 (hex) of every file byte before the current member.
    func checksumBeforeCurrentMember() -> String
    /// Whether nothing follows the current member.
    func isAtEndOfFile() throws -> Bool
    /// Releases threads and files; called when the reader goes away.
    func close()
}

/// The outcome of checking a member's row lines against a table schema ahead of time.
struct RowChecks: Sendable {
    /// The schema the rows were checked against (from the archive index); the reader uses the results only if the
    /// table record it actually read is equal.
    var schema: TableSchema
    /// Problems by line index within the member; lines not listed conform.
    var failures: [Int: RowFailure]
}

/// Reads an archive file member by member: framing checks, inflation, and the running file checksum.
final class MemberReader: MemberSource {
    let path: String
    /// The archive bytes in order (decrypted, for an age-encrypted input).
    private let input: any SequentialInput
    private let maxMemberSize: Int
    private let decompressor = MemberDecompressor()

    /// Compressed offset of the next member.
    private(set) var offset: Int64 = 0
    /// Compressed offset of the current member.
    private(set) var memberOffset: Int64 = 0
    /// Raw bytes of the current member.
    private(set) var raw: [UInt8] = []
    /// Decompressed content of the current member.
    var content: [UInt8] = []
    var rowChecks: RowChecks? { nil }
    var memberEnd: Int64 { offset }
    /// SHA-256 of all members before the current one.
    private var hashBefore = SHA256()
    private var previousRawPending = false
    /// Sees each member's bytes as read.
    private let observer: (any ArchiveByteObserver)?

    /// Opens `path` (`-`: standard input); an age-encrypted input is decrypted with `decryption`. `observer` sees
    /// the file's bytes as read: the encrypted bytes, for an encrypted file.
    init(path: String, maxMemberSize: Int, decryption: ArchiveDecryption? = nil, observer: (any ArchiveByteObserver)? = nil)
        throws
    {
        self.path = path
        self.maxMemberSize = maxMemberSize
        let raw: StreamInput
        if path == "-" {
            raw = StreamInput(fd: 0, ownsFD: false, path: path)
        } else {
            let opened = open(path, O_RDONLY | O_CLOEXEC)
            if opened < 0 { throw FileIO.ioError("cannot open archive", path: path) }
            var st = stat()
            if fstat(opened, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                Glibc.close(opened)
                throw ArchiveError(.io, "is a directory, expected an archive file", location: .init(path: path))
            }
            raw = StreamInput(fd: opened, ownsFD: true, path: path)
        }
        input = try ArchiveInput.openStream(raw, path: path, decryption: decryption, observer: observer)
        // Encrypted, the raw input shows the observer the file's bytes (the ciphertext); plain, the members do.
        self.observer = input === raw ? observer : nil
    }

    /// Reads an archive held in memory (plain).
    init(bytes: [UInt8], name: String, maxMemberSize: Int, observer: (any ArchiveByteObserver)? = nil) {
        path = name
        self.maxMemberSize = maxMemberSize
        self.observer = observer
        input = StreamInput(bytes: bytes, name: name)
    }

    func close() {}

    private func readFully(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try input.read(into: buffer)
    }

    private func error(_ code: ArchiveError.Code, _ message: String, at offset: Int64) -> ArchiveError {
        ArchiveError(code, message, location: .init(path: path, byteOffset: offset))
    }

    /// Reads and inflates the next member. Returns false at a clean end of file (no bytes left).
    func nextMember() throws -> Bool {
        if previousRawPending {
            raw.withUnsafeBytes { hashBefore.update(bufferPointer: $0) }
            previousRawPending = false
        }
        memberOffset = offset
        var header = [UInt8](repeating: 0, count: GzipMember.headerSize)
        let got = try header.withUnsafeMutableBytes { (b) in try readFully(into: b) }
        if got == 0 { return false }
        let size: Int
        switch header.withUnsafeBytes({ GzipMember.parseHeader(UnsafeRawBufferPointer(rebasing: $0[..<got])) }) {
        case .success(let s): size = s
        case .failure(let problem):
            throw error(problem.isTruncated ? .truncated : .badCompression, problem.message, at: offset + Int64(problem.offset))
        }
        guard size <= maxMemberSize + maxMemberSize / 2 + 4096 else {
            throw error(.badCompression, "gzip member size \(size) exceeds the limit", at: offset + 16)
        }
        raw = header
        let rest = size - GzipMember.headerSize
        // Read in chunks, so a corrupt size field cannot make us allocate more than the file holds.
        var read = 0
        while read < rest {
            let chunk = min(rest - read, 1 << 20)
            let before = raw.count
            raw.append(contentsOf: repeatElement(0, count: chunk))
            let got = try raw.withUnsafeMutableBytes { (b) in
                try readFully(into: UnsafeMutableRawBufferPointer(rebasing: b[before...]))
            }
            read += got
            if got < chunk {
                raw.removeLast(chunk - got)
                break
            }
        }
        if read < rest {
            throw error(.truncated, "file ends inside a gzip member (\(rest - read) bytes missing)", at: offset + Int64(GzipMember.headerSize + read))
        }
        do {
            try raw.withUnsafeBytes { (b) in
                try decompressor.inflate(member: b, maxSize: maxMemberSize, into: &content)
            }
        } catch let problem as MemberDecompressor.Problem {
            throw self.error(.badCompression, problem.message, at: offset + Int64(problem.offset))
        }
        offset += Int64(size)
        previousRawPending = true
        if let observer { raw.withUnsafeBytes { observer.update($0) } }
        return true
    }

    /// The hex SHA-256 of every byte before the current member.
    func checksumBeforeCurrentMember() -> String {
        hex(hashBefore.finalize())
    }

    /// True when the file has no bytes after the current member.
    func isAtEndOfFile() throws -> Bool {
        var byte: UInt8 = 0
        let n = try withUnsafeMutableBytes(of: &byte) { (b) in try readFully(into: b) }
        return n == 0
    }
}

@available(*, unavailable)
extension MemberReader: Sendable {}
