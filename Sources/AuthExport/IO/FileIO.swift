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
    /// Blocks Ctrl-C and the termination signals on the calling thread, a helper thread of the library's: they are
    /// for the thread that called it (its blocking calls must see EINTR and cancel, as a PostgreSQL statement
    /// waiting for a lock does), never for a helper.
    package static func blockTerminationSignalsOnThisThread() {
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

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

    /// The owner, group and permission bits of a file authx is about to replace.
    package struct Ownership: Sendable, Equatable {
        package var uid: uid_t
        package var gid: gid_t
        /// Permission bits (`& 0o7777`).
        package var mode: mode_t
    }

    /// The ownership of the file at `path` (following symbolic links), or nil when there is none.
    package static func ownership(of path: String) -> Ownership? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Ownership(uid: st.st_uid, gid: st.st_gid, mode: st.st_mode & 0o7777)
    }

    /// Gives the new file open as `fd` the mode, owner and group `replaced` had (as writing in place would), so an
    /// application or a backup job running as another user keeps its file when authx replaces it (`--force`).
    /// A new file stays 0600. Used by every file authx replaces: archives, their sidecars, SQLite databases.
    ///
    /// - Parameters:
    ///   - replaced: The ownership of the file being replaced (``ownership(of:)``).
    ///   - fd: The new file, not yet published.
    ///   - path: The file being replaced (for messages).
    ///   - what: What the file is, for messages ("database", "archive").
    /// - Throws: `ArchiveError` `.io` when the owner cannot be kept (another user's file, authx not root); the
    ///   caller then publishes nothing and the replaced file stays as it was.
    package static func keep(_ replaced: Ownership, on fd: Int32, replacing path: String, what: String)
        throws(ArchiveError)
    {
        var new = stat()
        guard fstat(fd, &new) == 0 else { throw ioError("cannot examine the new \(what)", path: path) }
        if new.st_uid != replaced.uid || new.st_gid != replaced.gid {
            // fchown before fchmod: fchown may clear set-id bits.
            guard fchown(fd, replaced.uid, replaced.gid) == 0 else {
                throw ArchiveError(
                    .io,
                    "cannot give the new \(what) the owner and group of the file it replaces (uid \(replaced.uid), "
                        + "gid \(replaced.gid)): \(errnoMessage()); run authx as that user, or remove the file first; "
                        + "it was left unchanged",
                    location: .init(path: path), underlying: SystemErrno(code: errno))
            }
        }
        guard fchmod(fd, replaced.mode) == 0 else {
            throw ioError("cannot give the new \(what) the mode of the file it replaces", path: path)
        }
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

    /// This host's name, reduced to letters, digits and `_` (at most 32), in temporary file names: a process id is
    /// only checked on the host that made the file.
    package static let hostTag: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "host" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let kept = name.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
        let tag = String(String.UnicodeScalarView(kept.prefix(32)))
        return tag.isEmpty ? "host" : tag
    }()

    /// The start of the name of every temporary file authx makes beside `path`: `.<name>.authx-<host>-`; the
    /// process id and six unique characters follow (`.<name>.authx-<host>-<pid>-XXXXXX`).
    package static func temporaryStem(for path: String) -> String {
        "." + baseName(of: path) + ".authx-" + hostTag + "-"
    }

    /// Removes the temporary files beside `path` (``temporaryStem(for:)``, each with `sideSuffixes`) of processes
    /// of this host that no longer run (`kill(pid, 0)` fails with `ESRCH`): what a SIGKILL or a power cut left.
    /// Files of running processes and of other hosts are left alone.
    ///
    /// - Returns: the paths removed.
    package static func removeStaleTemporaryFiles(beside path: String, sideSuffixes: [String] = [""]) -> [String] {
        let directory = directory(of: path)
        let stem = temporaryStem(for: path)
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var removed: [String] = []
        let prefix = directory == "/" ? "/" : directory + "/"
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix(stem) else { continue }
            let parts = name.dropFirst(stem.count).split(separator: "-", maxSplits: 1)
            guard parts.count == 2, let pid = Int32(parts[0]), pid > 0, parts[1].count >= 6, !parts[1].contains("-")
            else { continue }
            guard kill(pid, 0) == -1 && errno == ESRCH else { continue }
            for suffix in sideSuffixes { unlink(prefix + name + suffix) }
            removed.append(prefix + name)
        }
        return removed
    }

    /// A new, unused name for a temporary file beside `path` (``temporaryStem(for:)`` + pid + 6 random characters).
    package static func temporaryName(beside path: String) -> String {
        let directory = directory(of: path)
        let prefix = directory == "/" ? "/" : directory + "/"
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        let unique = String((0..<6).map { _ in alphabet.randomElement() ?? "x" })
        return prefix + temporaryStem(for: path) + "\(getpid())-" + unique
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
    /// Temporary files of dead authx processes beside ``path`` (a SIGKILL between two steps), removed at ``init``.
    package private(set) var removedStaleFiles: [String] = []

    package init(path: String, overwrite: Bool) throws(ArchiveError) {
        self.path = path
        self.overwrite = overwrite
        if !overwrite && FileIO.fileExists(path) {
            throw ArchiveError(.io, "already exists (use --force to overwrite)", location: .init(path: path))
        }
        let dir = FileIO.directory(of: path)
        removedStaleFiles = FileIO.removeStaleTemporaryFiles(beside: path)
        var fd: Int32 = -1
        #if os(Linux)
        // O_TMPFILE is a composite macro Swift cannot import: __O_TMPFILE (020000000 on Linux) | O_DIRECTORY.
        fd = open(dir, 0o20_000_000 | O_DIRECTORY | O_WRONLY | O_CLOEXEC, 0o600)
        #endif
        if fd < 0 {
            let prefix = dir == "/" ? "/" : dir + "/"
            var template = Array("\(prefix)\(FileIO.temporaryStem(for: path))\(getpid())-XXXXXX".utf8CString)
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

    /// Flushes to disk and publishes the file under ``path``; a file it replaces passes on its mode, owner and
    /// group (``FileIO/keep(_:on:replacing:what:)``), or `ownership` when given (a sidecar following its archive).
    package func commit(ownership: FileIO.Ownership? = nil, what: String = "file") throws(ArchiveError) {
        precondition(!done, "AtomicFile committed or discarded twice")
        if overwrite, let replaced = ownership ?? FileIO.ownership(of: path) {
            try FileIO.keep(replaced, on: fd, replacing: path, what: what)
        }
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
                // A name a later run recognises: a SIGKILL between linkat() and rename() leaves a complete file
                // under it, which the next AtomicFile beside `path` removes.
                var staging = FileIO.temporaryName(beside: path)
                while linkat(AT_FDCWD, procPath, AT_FDCWD, staging, AT_SYMLINK_FOLLOW) != 0 {
                    guard errno == EEXIST else { throw publishError() }
                    staging = FileIO.temporaryName(beside: path)
                }
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
            return ArchiveError(.io, "already exists (use --force to overwrite)", location: .init(path: path))
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

    /// Writes a small file atomically (a detached signature, a key file); with `overwrite` false an existing file
    /// is an error and is left as it was.
    package static func write(_ bytes: [UInt8], to path: String, overwrite: Bool) throws(ArchiveError) {
        let file = try staged(bytes, path: path, overwrite: overwrite)
        do {
            try file.commit()
        } catch {
            file.discard()
            throw error
        }
    }

    /// A small file written and synced, not yet published (replacing any file at `path` on ``commit()`` when
    /// `overwrite`): a sidecar made before its archive is published.
    package static func staged(_ bytes: [UInt8], path: String, overwrite: Bool = true) throws(ArchiveError) -> AtomicFile {
        let file = try AtomicFile(path: path, overwrite: overwrite)
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(ArchiveError) in
                try FileIO.writeAll(file.fd, buffer, path: path)
                if fsync(file.fd) != 0 { throw FileIO.ioError("cannot fsync", path: path) }
            }
        }
        do {
            try result.get()
        } catch {
            file.discard()
            throw error
        }
        return file
    }
}

@available(*, unavailable)
extension AtomicFile: Sendable {}
