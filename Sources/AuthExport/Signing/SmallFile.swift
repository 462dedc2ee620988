#if canImport(Glibc)
import Glibc
#endif

/// Reads small files (keys, signatures, policies) whole, with a size limit.
enum SmallFile {
    /// The bytes of `path`.
    ///
    /// - Throws: ``SignatureError`` `.missing` when the file does not exist, `.io` when it cannot be read or is
    ///   larger than `limit`.
    static func read(_ path: String, limit: Int) throws(SignatureError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw SignatureError(code == ENOENT ? .missing : .io, "cannot open: \(FileIO.errnoMessage(code))", path: path)
        }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            throw SignatureError(.io, "is a directory, expected a file", path: path)
        }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        let result = bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(ArchiveError) in try FileIO.readFully(fd, into: buffer, path: path) }
        }
        let count: Int
        switch result {
        case .success(let n): count = n
        case .failure(let error): throw SignatureError(.io, error.message, path: path)
        }
        guard count <= limit else { throw SignatureError(.io, "larger than \(limit) bytes: not a key, signature or policy file", path: path) }
        bytes.removeSubrange(count...)
        return bytes
    }
}
