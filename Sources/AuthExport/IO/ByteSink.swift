import Crypto

/// Where an ``ArchiveWriter`` sends the archive bytes: a chain of layers ending at a file descriptor.
///
/// The writer's chain is `[age encryption] → FileBytesSink (SHA-256, size and sidecars such as a signature, of the
/// bytes as written) → file`: every
/// digest of "the file" (the `.sha256` sidecar, a signature) is over what reaches the disk, the ciphertext when the
/// archive is encrypted.
package protocol ByteSink: AnyObject {
    /// Takes the next bytes.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Writes whatever is buffered (an encryptor's final chunk) and finishes the layers below.
    func finish() throws
}

/// Writes to a file descriptor, retrying on EINTR.
///
/// Every ``writeBehind`` bytes it asks the kernel to start writing them to disk (write-behind, as PostgreSQL's
/// `backend_flush_after`): the archive's final `fsync` then waits for the last megabyte only, instead of
/// the whole file, and dirty pages do not pile up in memory. A descriptor that is not a file (a pipe) is left alone.
final class FileDescriptorSink: ByteSink {
    private let fd: Int32
    private let path: String
    private var written: Int64 = 0
    /// Where the bytes not yet handed to write-behind start; nil once write-behind failed (not a file).
    private var writeBehindFrom: Int64? = 0

    /// How many bytes are written between two write-behind requests.
    static let writeBehind: Int64 = 1 << 20

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try FileIO.writeAll(fd, bytes, path: path)
        written += Int64(bytes.count)
        if let start = writeBehindFrom, written - start >= Self.writeBehind {
            writeBehindFrom = FileIO.startWriteBack(fd, offset: start, length: written - start) ? written : nil
        }
    }

    func finish() throws {}
}

/// Counts and hashes the bytes that pass, as they reach the file, and feeds them to the sidecars (a signature).
final class FileBytesSink: ByteSink {
    private let next: any ByteSink
    private let sidecars: [any ArchiveSidecar]
    private(set) var sha256 = SHA256()
    private(set) var count: Int64 = 0

    init(next: any ByteSink, sidecars: [any ArchiveSidecar] = []) {
        self.next = next
        self.sidecars = sidecars
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        sha256.update(bufferPointer: bytes)
        for sidecar in sidecars { sidecar.update(bytes) }
        count += Int64(bytes.count)
        try next.write(bytes)
    }

    func finish() throws { try next.finish() }
}

@available(*, unavailable)
extension FileDescriptorSink: Sendable {}
@available(*, unavailable)
extension FileBytesSink: Sendable {}
