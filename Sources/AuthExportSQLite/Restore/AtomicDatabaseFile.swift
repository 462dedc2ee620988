import AuthExport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A database file built beside its target and moved into place only when complete.
///
/// The temporary file is created with mode 0600 in the target's directory (so the final rename is atomic and
/// never crosses file systems), named `.<target>.authx-<host>-<pid>-XXXXXX`. A restore killed by SIGKILL (or a
/// power cut) leaves its file; the next restore to the same target removes those of processes of this host that no
/// longer run (`kill(pid, 0)` fails with `ESRCH`) and says so (``removedStaleFiles``). ``publish()`` syncs it, moves it into place and
/// syncs the directory; until then the target is untouched, and ``discard()`` (or deinit) removes every trace.
final class AtomicDatabaseFile {
    /// The file the caller asked for.
    let target: String
    /// The file being built.
    let temporaryPath: String
    private let overwrite: Bool
    private var isDone = false
    /// Temporary files of dead restores to the same target, removed before this one started.
    private(set) var removedStaleFiles: [String] = []

    /// Creates the temporary file beside `target`.
    ///
    /// - Throws: `ArchiveError` `.io` when the target exists and `overwrite` is false, is a directory, belongs to a
    ///   database that is open or was not closed cleanly (a non-empty `-wal` or `-journal` file beside it), or
    ///   when the directory is missing or not writable.
    init(target: String, overwrite: Bool) throws(ArchiveError) {
        guard !target.isEmpty else { throw ArchiveError(.io, "the target path is empty") }
        self.target = target
        self.overwrite = overwrite
        try Self.checkTarget(target, overwrite: overwrite)
        let directory = Self.directory(of: target)
        let prefix = directory == "/" ? "/" : directory + "/"
        let stem = FileIO.temporaryStem(for: target)
        removedStaleFiles = FileIO.removeStaleTemporaryFiles(beside: target, sideSuffixes: ["", "-journal", "-wal", "-shm"])
        var template = Array((prefix + stem + "\(getpid())-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else {
            throw Self.ioError("cannot create a temporary file in \(directory)", path: target, errno: errno)
        }
        close(fd)
        temporaryPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        if !isDone { discard() }
    }

    private static func checkTarget(_ target: String, overwrite: Bool) throws(ArchiveError) {
        var info = stat()
        guard lstat(target, &info) == 0 else {
            if errno == ENOENT { return }
            throw ioError("cannot examine the target", path: target, errno: errno)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw ArchiveError(.io, "the target is a directory", location: .init(path: target))
        }
        guard overwrite else {
            throw ArchiveError(
                .io, "the target exists; use --force to replace it", location: .init(path: target))
        }
        for suffix in ["-wal", "-journal"] {
            var side = stat()
            if stat(target + suffix, &side) == 0 && side.st_size > 0 {
                throw ArchiveError(
                    .io,
                    "\(target)\(suffix) exists: the database is open or was not closed cleanly; close the "
                        + "applications using it before replacing it",
                    location: .init(path: target))
            }
        }
    }

    /// Starts writing the temporary file to disk in the background (``FileIO/startWriteBack(_:offset:length:)``):
    /// called once the load has committed, so the checks that follow overlap the disk writes that ``publish()``'s
    /// fsync would otherwise wait for.
    func startWriteBack() {
        let fd = open(temporaryPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        FileIO.startWriteBack(fd)
        close(fd)
    }

    /// Syncs the temporary file, moves it to the target and syncs the directory.
    ///
    /// Without overwrite, the move is a hard link that fails if the target appeared meanwhile (never replacing a
    /// file someone else just created); with overwrite, an atomic rename.
    func publish() throws(ArchiveError) {
        precondition(!isDone, "publish() after publish() or discard()")
        let fd = open(temporaryPath, O_RDONLY)
        guard fd >= 0 else { throw Self.ioError("cannot reopen the new database", path: temporaryPath, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            throw Self.ioError("cannot sync the new database", path: temporaryPath, errno: errno)
        }
        if overwrite {
            try Self.checkTarget(target, overwrite: true)
            // The replaced file's mode, owner and group (a file gone meanwhile is a new one: 0600).
            if let replaced = FileIO.ownership(of: target) {
                try FileIO.keep(replaced, on: fd, replacing: target, what: "database")
            }
            guard rename(temporaryPath, target) == 0 else {
                throw Self.ioError("cannot move the new database into place", path: target, errno: errno)
            }
            // Side files of the replaced database (empty, checked above) must not be applied to the new one.
            for suffix in ["-wal", "-shm", "-journal"] { unlink(target + suffix) }
        } else if link(temporaryPath, target) == 0 {
            unlink(temporaryPath)
        } else {
            let linkErrno = errno
            if linkErrno == EEXIST {
                throw ArchiveError(.io, "the target exists; use --force to replace it", location: .init(path: target))
            }
            // File systems without hard links: check, then rename.
            try Self.checkTarget(target, overwrite: false)
            guard rename(temporaryPath, target) == 0 else {
                throw Self.ioError("cannot move the new database into place", path: target, errno: errno)
            }
        }
        isDone = true
        syncDirectory()
    }

    /// Whether `target` exists now (a replaced file, with overwrite).
    var targetExists: Bool {
        var info = stat()
        return lstat(target, &info) == 0
    }

    /// Removes the temporary file and any side file SQLite may have made beside it; nothing once published.
    func discard() {
        guard !isDone else { return }
        isDone = true
        for suffix in ["", "-journal", "-wal", "-shm"] { unlink(temporaryPath + suffix) }
    }

    /// The directory part of `path`: `.` when it has none, `/` for a file at the root.
    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private func syncDirectory() {
        let fd = open(Self.directory(of: target), O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    private static func ioError(_ message: String, path: String, errno code: Int32) -> ArchiveError {
        let reason = strerror(code).map { String(cString: $0) } ?? "error \(code)"
        return ArchiveError(.io, "\(message): \(reason)", location: .init(path: path))
    }
}

@available(*, unavailable)
extension AtomicDatabaseFile: Sendable {}
