#if canImport(Glibc)
import Glibc
#endif

/// Reads the files signing needs: small ones (keys, signatures, policies) whole, with a size limit; the signed file
/// in blocks.
enum SmallFile {
    /// Opens `path` for reading (not a directory).
    ///
    /// - Throws: ``SignatureError`` `.missing` when the file does not exist, `.io` when it cannot be opened.
    static func open(_ path: String) throws(SignatureError) -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw SignatureError(code == ENOENT ? .missing : .io, "cannot open: \(FileIO.errnoMessage(code))", path: path)
        }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw SignatureError(.io, "is a directory, expected a file", path: path)
        }
        return fd
    }

    /// Fills `buffer` from `fd`; fewer bytes only at the end of the file.
    static func read(_ fd: Int32, into buffer: inout [UInt8], path: String) throws(SignatureError) -> Int {
        let result = buffer.withUnsafeMutableBytes { bytes in
            Result { () throws(ArchiveError) in try FileIO.readFully(fd, into: bytes, path: path) }
        }
        switch result {
        case .success(let count): return count
        case .failure(let error): throw SignatureError(.io, error.message, path: path)
        }
    }

    /// The bytes of `path`.
    ///
    /// - Throws: ``SignatureError`` `.missing` when the file does not exist, `.io` when it cannot be read or is
    ///   larger than `limit`.
    static func read(_ path: String, limit: Int) throws(SignatureError) -> [UInt8] {
        let fd = try open(path)
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        let count = try read(fd, into: &bytes, path: path)
        guard count <= limit else { throw SignatureError(.io, "larger than \(limit) bytes: not a key, signature or policy file", path: path) }
        bytes.removeSubrange(count...)
        return bytes
    }
}
