#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The bytes of an archive at any offset: a plain regular file, or the plaintext of an age-encrypted one.
package protocol RandomAccessInput: AnyObject {
    /// The archive's size in bytes (the plaintext's, for an encrypted file).
    var size: Int64 { get }
    /// Bytes read from the file so far (ciphertext, for an encrypted file).
    var bytesRead: Int64 { get }
    /// Reads up to `buffer.count` bytes at `offset`; fewer only at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int
    /// What encrypts the file (nil when plain), for listings: `age, 2 recipients (X25519)`.
    var encryption: String? { get }
    /// Closes the file. Safe to call more than once.
    func close()

    /// Says that reads will go on forward from `offset`: an input whose reads cost work (an encrypted file's
    /// decryption) queues that work for the bytes ahead, for ``runPendingWork()`` on other threads. Reads stay
    /// correct without it, and whether or not the work was done. Returns whether work was queued.
    @discardableResult
    func willRead(from offset: Int64) -> Bool
    /// Whether work queued by ``willRead(from:)`` waits for a thread.
    var hasPendingWork: Bool { get }
    /// Does one piece of the queued work on the calling thread (any thread); false when there was none.
    func runPendingWork() -> Bool
}

extension RandomAccessInput {
    /// Reads cost no work beyond the file read: nothing to queue.
    @discardableResult
    package func willRead(from offset: Int64) -> Bool { false }
    /// Nothing is ever queued.
    package var hasPendingWork: Bool { false }
    /// Nothing is ever queued.
    package func runPendingWork() -> Bool { false }
}

/// The bytes of an archive in order: a file or standard input, plain or age-encrypted.
package protocol SequentialInput: AnyObject {
    /// Reads up to `buffer.count` bytes; fewer only at the end of the input.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Opens archive inputs, recognizing an age-encrypted file from its first bytes.
package enum ArchiveInput {
    /// Opens `path` for reading at any offset; nil when it is not a regular file (a pipe, a terminal) or cannot be
    /// opened (the sequential reader then reports why).
    ///
    /// - Throws: `ArchiveError` `.noIdentity` or `.badEncryption` for an encrypted file that cannot be decrypted.
    package static func openRandomAccess(path: String, decryption: ArchiveDecryption?) throws -> (any RandomAccessInput)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            Glibc.close(fd)
            return nil
        }
        let plain = PlainFileInput(fd: fd, path: path, size: Int64(st.st_size))
        var prefix = [UInt8](repeating: 0, count: AgeHeader.magic.count)
        let got = try prefix.withUnsafeMutableBytes { try plain.read(into: $0, at: 0) }
        guard AgeHeader.looksLikeAge(prefix[..<got]) else { return plain }
        do {
            return try EncryptedFileInput(file: plain, path: path, decryption: decryption)
        } catch {
            plain.close()
            throw error
        }
    }

    /// Wraps a sequential input (a file, standard input, bytes in memory), decrypting it when it is an age file.
    /// An encrypted input shows `observer` the file's bytes (the ciphertext) as they are read; a plain one returns
    /// `raw` without observing (its reader shows the bytes).
    package static func openStream(
        _ raw: StreamInput, path: String, decryption: ArchiveDecryption?, observer: (any ArchiveByteObserver)? = nil
    ) throws -> any SequentialInput {
        var prefix = [UInt8](repeating: 0, count: AgeHeader.magic.count)
        let got = try prefix.withUnsafeMutableBytes { try raw.read(into: $0) }
        raw.pushBack(Array(prefix[..<got]))
        guard AgeHeader.looksLikeAge(prefix[..<got]) else { return raw }
        if let observer {
            prefix[..<got].withUnsafeBytes { observer.update($0) }
            raw.observer = observer
        }
        return try EncryptedStreamInput(raw: raw, path: path, decryption: decryption)
    }
}

/// A plain regular file read with pread.
package final class PlainFileInput: RandomAccessInput {
    private let fd: Int32
    private let path: String
    package let size: Int64
    /// Updated by the threads that read (an encrypted file's chunks are read by the reader's workers).
    private let bytesCounter = Atomic<Int64>(0)
    package var bytesRead: Int64 { bytesCounter.load(ordering: .relaxed) }
    private var closed = false
    package var encryption: String? { nil }

    init(fd: Int32, path: String, size: Int64) {
        self.fd = fd
        self.path = path
        self.size = size
    }

    deinit { close() }

    package func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        let n = try FileIO.readFully(fd, into: buffer, at: offset, path: path)
        bytesCounter.add(Int64(n), ordering: .relaxed)
        return n
    }

    package func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }
}

/// Bytes in order from a file descriptor or from memory, with bytes pushed back served first.
package final class StreamInput: SequentialInput {
    private let fd: Int32
    private let ownsFD: Bool
    private let path: String
    private var memory: [UInt8]?
    private var memoryPosition = 0
    private var pending: [UInt8] = []
    private var pendingPosition = 0
    /// Sees the bytes read from the file or memory (not those pushed back, seen when first read).
    package var observer: (any ArchiveByteObserver)?

    /// Reads `fd` (closed on deinit when `ownsFD`).
    package init(fd: Int32, ownsFD: Bool, path: String) {
        self.fd = fd
        self.ownsFD = ownsFD
        self.path = path
    }

    /// Reads bytes held in memory.
    package init(bytes: [UInt8], name: String) {
        fd = -1
        ownsFD = false
        path = name
        memory = bytes
    }

    deinit { if ownsFD { Glibc.close(fd) } }

    /// Makes `bytes` the next bytes read.
    package func pushBack(_ bytes: [UInt8]) {
        pending = bytes + pending[pendingPosition...]
        pendingPosition = 0
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        if pendingPosition < pending.count {
            let n = min(buffer.count, pending.count - pendingPosition)
            pending.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[pendingPosition..<(pendingPosition + n)]))
            }
            pendingPosition += n
            filled = n
            if pendingPosition == pending.count {
                pending = []
                pendingPosition = 0
            }
        }
        guard filled < buffer.count else { return filled }
        let rest = UnsafeMutableRawBufferPointer(rebasing: buffer[filled...])
        let n: Int
        if let memory {
            n = min(rest.count, memory.count - memoryPosition)
            if n > 0 {
                memory.withUnsafeBytes { source in
                    rest.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[memoryPosition..<(memoryPosition + n)]))
                }
            }
            memoryPosition += n
        } else {
            n = try FileIO.readFully(fd, into: rest, path: path)
        }
        if let observer, n > 0 { observer.update(UnsafeRawBufferPointer(rebasing: rest[0..<n])) }
        return filled + n
    }
}

@available(*, unavailable)
extension StreamInput: Sendable {}
