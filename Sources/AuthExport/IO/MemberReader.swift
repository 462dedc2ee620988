#if canImport(Glibc)
import Glibc
#endif
import Crypto

/// Reads an archive file member by member: framing checks, inflation, and the running file checksum.
final class MemberReader {
    let path: String
    private let fd: Int32
    private let ownsFD: Bool
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
    /// SHA-256 of all members before the current one.
    private var hashBefore = SHA256()
    private var previousRawPending = false

    init(path: String, maxMemberSize: Int) throws {
        self.path = path
        self.maxMemberSize = maxMemberSize
        if path == "-" {
            fd = 0
            ownsFD = false
        } else {
            let opened = open(path, O_RDONLY | O_CLOEXEC)
            if opened < 0 { throw FileIO.ioError("cannot open archive", path: path) }
            var st = stat()
            if fstat(opened, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                close(opened)
                throw ArchiveError(.io, "is a directory, expected an archive file", location: .init(path: path))
            }
            fd = opened
            ownsFD = true
        }
    }

    deinit { if ownsFD { close(fd) } }

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
        let got = try header.withUnsafeMutableBytes { (b) in try FileIO.readFully(fd, into: b, path: path) }
        if got == 0 { return false }
        if got < GzipMember.headerSize || header[0] != 0x1F || header[1] != 0x8B {
            if header[0] == 0x1F && (got < 2 || header[1] == 0x8B) {
                throw error(.truncated, "file ends inside a gzip member header", at: offset + Int64(got))
            }
            throw error(.badCompression, "expected a gzip member", at: offset)
        }
        let size: Int
        switch header.withUnsafeBytes({ GzipMember.parseHeader($0) }) {
        case .success(let s): size = s
        case .failure(let problem):
            throw error(.badCompression, problem.message, at: offset + Int64(problem.offset))
        }
        guard size <= maxMemberSize + maxMemberSize / 2 + 4096 else {
            throw error(.badCompression, "gzip member size \(size) exceeds the limit", at: offset + 16)
        }
        raw = header
        raw.reserveCapacity(size)
        let rest = size - GzipMember.headerSize
        raw.append(contentsOf: repeatElement(0, count: rest))
        let read = try raw.withUnsafeMutableBytes { (b) in
            try FileIO.readFully(fd, into: UnsafeMutableRawBufferPointer(rebasing: b[GzipMember.headerSize...]), path: path)
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
        return true
    }

    /// The hex SHA-256 of every byte before the current member.
    func checksumBeforeCurrentMember() -> String {
        hex(hashBefore.finalize())
    }

    /// True when the file has no bytes after the current member.
    func isAtEndOfFile() throws -> Bool {
        var byte: UInt8 = 0
        let n = try withUnsafeMutableBytes(of: &byte) { (b) in try FileIO.readFully(fd, into: b, path: path) }
        return n == 0
    }
}

@available(*, unavailable)
extension MemberReader: Sendable {}
