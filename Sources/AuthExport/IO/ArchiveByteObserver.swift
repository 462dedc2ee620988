/// Sees every byte of an archive file, in order, as it is written or read: the bytes of the file itself (after
/// compression and any other layer under the writer, before any under the reader), with no second pass.
///
/// The writer feeds ``ArchiveSidecar``s; the reader feeds an ``ArchiveByteCheck``. Calls come from one thread at a
/// time (the writer's or reader's calling thread), never concurrently.
public protocol ArchiveByteObserver: AnyObject, Sendable {
    /// The next bytes of the file.
    func update(_ bytes: UnsafeRawBufferPointer)
}

/// A file the writer publishes beside the archive, made from the archive's bytes as they are written (a detached
/// signature, say): `PATH` + ``suffix``, mode 0600, written atomically.
///
/// ``contents()`` is called once the last byte is written and before the archive is published: if it throws, the
/// export fails and nothing is published. The sidecar is published right after the archive.
public protocol ArchiveSidecar: ArchiveByteObserver {
    /// Appended to the archive's path, such as `.sig`.
    var suffix: String { get }
    /// Forgets the bytes seen: the writer calls it when it starts a file (an export that restarts makes a new
    /// writer with the same sidecars).
    func start()
    /// The sidecar's bytes, from everything ``ArchiveByteObserver/update(_:)`` saw.
    func contents() throws -> [UInt8]
}

/// A check of the archive's bytes as they are read, judged at the end: ``finish()`` is called when the reader has
/// read the whole file and checked its `end` record, before it returns that record. If it throws, the reader fails
/// with ``ArchiveError/Code/badSignature`` (or the thrown `ArchiveError`): a restore then rolls back, as on a bad
/// checksum. This is how a detached signature is checked on a pipe, where the file cannot be read twice.
public protocol ArchiveByteCheck: ArchiveByteObserver {
    /// Judges the bytes seen.
    func finish() throws
}
