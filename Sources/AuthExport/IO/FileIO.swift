#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `errno` of a failed system call, kept under an ``ArchiveError`` so that a caller can tell, say, a timeout
/// (`EAGAIN` on a socket with `SO_RCVTIMEO`) from other failures.
package struct SystemErrno: Error, Sendable, CustomStringConvertible {
    package let code: Int32
    package var description: String { "errno \(code) (\(FileIO.errnoMessage(code)))" }
}

/// Thin POSIX file helpers that retry on EINTR and throw ``ArchiveError`` with code `.io`.
package enum FileIO {
    package static func errnoMessage(_ code: Int32 = errno) -> String {
        strerror(code).map { String(cString: $0) } ?? "error \(code)"
    }

    /// An `.io` error saying what failed and why; the errno is kept as `underlying` (``SystemErrno``).
    package static func ioError(_ what: String, path: String?, code: Int32 = errno) -> ArchiveError {
        ArchiveError(.io, "\(what): \(errnoMessage(code))", location: .init(path: path), underlying: SystemErrno(code: code))
    }

    /// Writes all of `bytes` to `fd`.
    package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String?) throws(ArchiveError) {
        var offset = 0
        while offset < bytes.count {
            guard let base = bytes.baseAddress else { return }
            let n = write(fd, base + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw ioError("cannot write", path: path)
            }
            offset += n
        }
    }

    /// Reads up to `count` bytes at the current position; returns fewer only at end of file.
    package static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String?) throws(ArchiveError) -> Int {
        var total = 0
        while total < buffer.count {
            guard let base = buffer.baseAddress else { return 0 }
            let n = read(fd, base + total, buffer.count - total)
            if n < 0 {
                if errno == EINTR { continue }
                throw ioError("cannot read", path: path)
            }
            if n == 0 { break }
            total += n
        }
        return total
    }

    /// Reads exactly `count` bytes at `offset` (pread); returns fewer only at end of file.
    package static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String?)
        throws(ArchiveError) -> Int
    {
        var total = 0
        while total < buffer.count {
            guard let base = buffer.baseAddress else { return 0 }
            let n = pread(fd, base + total, buffer.count - total, off_t(offset) + off_t(total))
            if n < 0 {
                if errno == EINTR { continue }
                throw ioError("cannot read", path: path)
            }
            if n == 0 { break }
            total += n
        }
        return total
    }

    package static func fileExists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// The directory part of a path (`.` when it has none).
    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component of a path.
    package static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}

/// A file written privately (mode 0600) and published under its name only when complete.
///
/// On Linux the data goes to an unnamed `O_TMPFILE` in the target directory, so a crash or Ctrl-C leaves nothing
/// behind; elsewhere (or where the file system lacks it) to a hidden temp file beside the target that ``discard()``
/// removes. ``commit()`` fsyncs and links the file into place; without `overwrite` an existing target is an error,
/// checked both when opening and atomically when publishing.
package final class AtomicFile {
    package let path: String
    package let fd: Int32
    private let overwrite: Bool
    private var tempPath: String?
    private var done = false

    package init(path: String, overwrite: Bool) throws(ArchiveError) {
        self.path = path
        self.overwrite = overwrite
        if !overwrite && FileIO.fileExists(path) {
            throw ArchiveError(.io, "\(path) already exists (use --force to overwrite)", location: .init(path: path))
        }
        let dir = FileIO.directory(of: path)
        var fd: Int32 = -1
        #if os(Linux)
        // O_TMPFILE is a composite macro Swift cannot import: __O_TMPFILE (020000000 on Linux) | O_DIRECTORY.
        fd = open(dir, 0o20_000_000 | O_DIRECTORY | O_WRONLY | O_CLOEXEC, 0o600)
        #endif
        if fd < 0 {
            var template = Array("\(dir)/.\(FileIO.baseName(of: path)).tmp-XXXXXX".utf8CString)
            fd = template.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return -1 }
                return mkstemp(base)
            }
            if fd < 0 { throw FileIO.ioError("cannot create a temporary file in \(dir)", path: path) }
            tempPath = template.withUnsafeBufferPointer { buffer in
                buffer.baseAddress.map { String(cString: $0) }
            }
            fchmod(fd, 0o600)
        }
        self.fd = fd
    }

    deinit {
        if !done { discard() }
    }

    /// Flushes to disk and publishes the file under ``path``.
    package func commit() throws(ArchiveError) {
        precondition(!done, "AtomicFile committed or discarded twice")
        if fsync(fd) != 0 { throw FileIO.ioError("cannot fsync", path: path) }
        if let tempPath {
            if !overwrite {
                // link() fails if the target appeared meanwhile: no clobbering.
                if link(tempPath, path) != 0 { throw publishError() }
                unlink(tempPath)
            } else if rename(tempPath, path) != 0 {
                throw publishError()
            }
        } else {
            let procPath = "/proc/self/fd/\(fd)"
            if !overwrite {
                if linkat(AT_FDCWD, procPath, AT_FDCWD, path, AT_SYMLINK_FOLLOW) != 0 { throw publishError() }
            } else {
                let staging = "\(FileIO.directory(of: path))/.\(FileIO.baseName(of: path)).tmp-\(getpid())-\(fd)"
                unlink(staging)
                if linkat(AT_FDCWD, procPath, AT_FDCWD, staging, AT_SYMLINK_FOLLOW) != 0 { throw publishError() }
                if rename(staging, path) != 0 {
                    let error = publishError()
                    unlink(staging)
                    throw error
                }
            }
        }
        close(fd)
        done = true
        let dirFD = open(FileIO.directory(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    private func publishError() -> ArchiveError {
        let code = errno
        if code == EEXIST {
            return ArchiveError(.io, "\(path) already exists (use --force to overwrite)", location: .init(path: path))
        }
        return FileIO.ioError("cannot create \(path)", path: path, code: code)
    }

    /// Drops the data; nothing remains on disk.
    package func discard() {
        guard !done else { return }
        done = true
        close(fd)
        if let tempPath { unlink(tempPath) }
    }

    /// Writes a small file atomically (used for the `.sha256` sidecar).
    package static func write(_ bytes: [UInt8], to path: String, overwrite: Bool) throws(ArchiveError) {
        let file = try AtomicFile(path: path, overwrite: overwrite)
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(ArchiveError) in try FileIO.writeAll(file.fd, buffer, path: path) }
        }
        do {
            try result.get()
            try file.commit()
        } catch {
            file.discard()
            throw error
        }
    }
}

@available(*, unavailable)
extension AtomicFile: Sendable {}
