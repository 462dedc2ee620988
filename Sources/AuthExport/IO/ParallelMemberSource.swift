#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Foundation

/// Inflates members and checks their rows on worker threads, delivering them in file order.
///
/// The calling thread reads the raw members (cheap) and hands each delivered member to the file checksum's own
/// thread (``DigestStream``); workers decrypt the chunks ahead
/// when the input is an encrypted file (``RandomAccessInput/runPendingWork()``), inflate each member and,
/// when the archive's index says which table the member belongs to, check its row lines against that table's
/// schema. The reader still runs every ordered check (record order, table and file checksums, counts) and uses a
/// worker's row results only when the table record it actually read equals the schema the worker used.
/// At most a few members are in flight, so memory stays bounded.
final class ParallelMemberSource: MemberSource, @unchecked Sendable {
    private struct Slot {
        var memberOffset: Int64
        var raw: [UInt8]
        var schema: TableSchema?
        // Filled by a worker:
        var content: [UInt8] = []
        var failures: [Int: RowFailure] = [:]
        var error: ArchiveError?
        var done = false
    }

    private let path: String
    /// The archive bytes (decrypted on access, for an age-encrypted file).
    let input: any RandomAccessInput
    private let maxMemberSize: Int
    private let maxDepth: Int
    private let tableStarts: [Int64: TableSchema]
    private let condition = NSCondition()
    private var slots: [Int: Slot] = [:]
    private var queue: [Int] = []
    private var nextRead = 0
    private var nextDeliver = 0
    private var readOffset: Int64 = 0
    private var readSchema: TableSchema?
    private var readFailed = false
    private var stopping = false
    private var liveWorkers = 0
    private let maxInFlight: Int
    /// The bytes (raw + decompressed) of the members read and not yet delivered; calling thread only. Members are
    /// read ahead only while this is under ``inFlightByteBudget``, so members near the 65 MiB limit are inflated one
    /// at a time instead of `maxInFlight` at once (issue 16, item 11).
    private var inFlightBytes = 0
    /// The most ``inFlightBytes`` ever held (for tests of the bound).
    private(set) var peakInFlightBytes = 0
    private var slotBytes: [Int: Int] = [:]
    /// What read-ahead may hold beyond the member being delivered: 16 MiB, a dozen ordinary (~1 MiB) members.
    static let inFlightByteBudget = 16 << 20
    private let fileSize: Int64
    private var closed = false
    /// Sees each raw member as read (on the calling thread, in file order).
    private let observer: (any ArchiveByteObserver)?

    private(set) var memberOffset: Int64 = 0
    private(set) var memberEnd: Int64 = 0
    private(set) var raw: [UInt8] = []
    private(set) var content: [UInt8] = []
    private(set) var rowChecks: RowChecks?
    /// The file checksum of the members delivered before the current one, hashed on a thread of its own.
    private let fileHash = DigestStream(background: true)

    /// `tableStarts` maps the file offset of each table's first member to its schema (from the index).
    init(
        path: String, input: any RandomAccessInput, maxMemberSize: Int, maxDepth: Int, tableStarts: [Int64: TableSchema],
        threads: Int, observer: (any ArchiveByteObserver)? = nil
    ) {
        self.observer = observer
        self.path = path
        self.input = input
        self.maxMemberSize = maxMemberSize
        self.maxDepth = maxDepth
        self.tableStarts = tableStarts
        self.maxInFlight = threads * 2 + 2
        fileSize = input.size
        for _ in 0..<threads {
            liveWorkers += 1
            // Workers hold the source strongly; close() (called by the reader's deinit) stops and joins them.
            let thread = Thread { self.work() }
            thread.start()
        }
    }

    /// Stops the workers, waits until they have exited, and closes the file. Safe to call more than once.
    func close() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while liveWorkers > 0 { condition.wait() }
        let wasOpen = !closed
        closed = true
        condition.unlock()
        fileHash.close()
        if wasOpen { input.close() }
    }

    // MARK: Reading raw members (calling thread)

    /// Reads raw members ahead until enough are in flight or the file ends. Problems are parked in order.
    private func readAhead() {
        while !readFailed {
            condition.lock()
            let inFlight = nextRead - nextDeliver
            condition.unlock()
            if inFlight >= maxInFlight || (inFlight > 0 && inFlightBytes >= Self.inFlightByteBudget) { return }
            let start = readOffset
            // An encrypted file queues the decryption of the chunks ahead, for the workers.
            if input.willRead(from: start) {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
            var slot = Slot(memberOffset: start, raw: [], schema: nil)
            do {
                guard let raw = try readRawMember() else { return }
                slot.raw = raw
            } catch let error as ArchiveError {
                slot.error = error
                slot.done = true
                readFailed = true
            } catch {
                slot.error = ArchiveError(.io, "\(error)", location: .init(path: path))
                slot.done = true
                readFailed = true
            }
            if let schema = tableStarts[start] {
                readSchema = schema
            } else if tableStarts.isEmpty || start == 0 {
                readSchema = nil
            }
            slot.schema = readSchema
            if let observer { slot.raw.withUnsafeBytes { observer.update($0) } }
            let cost = slot.raw.count + Self.decompressedSize(of: slot.raw)
            inFlightBytes += cost
            peakInFlightBytes = max(peakInFlightBytes, inFlightBytes)
            slotBytes[nextRead] = cost
            condition.lock()
            slots[nextRead] = slot
            if !slot.done { queue.append(nextRead) }
            nextRead += 1
            condition.broadcast()
            condition.unlock()
        }
    }

    private var sawEOF = false

    /// The ISIZE of a raw member (its last 4 bytes, little-endian; checked later by the worker), 0 when too short.
    static func decompressedSize(of raw: [UInt8]) -> Int {
        guard raw.count >= 4 else { return 0 }
        let n = raw.count
        return Int(raw[n - 4]) | Int(raw[n - 3]) << 8 | Int(raw[n - 2]) << 16 | Int(raw[n - 1]) << 24
    }

    /// One raw member, or nil at a clean end of file.
    private func readRawMember() throws -> [UInt8]? {
        var header = [UInt8](repeating: 0, count: GzipMember.headerSize)
        let got = try header.withUnsafeMutableBytes { try input.read(into: $0, at: readOffset) }
        if got == 0 {
            sawEOF = true
            return nil
        }
        func error(_ code: ArchiveError.Code, _ message: String, _ at: Int64) -> ArchiveError {
            ArchiveError(code, message, location: .init(path: path, byteOffset: at))
        }
        let size: Int
        switch header.withUnsafeBytes({ GzipMember.parseHeader(UnsafeRawBufferPointer(rebasing: $0[..<got])) }) {
        case .success(let s): size = s
        case .failure(let p):
            throw error(p.isTruncated ? .truncated : .badCompression, p.message, readOffset + Int64(p.offset))
        }
        guard size <= maxMemberSize + maxMemberSize / 2 + 4096 else {
            throw error(.badCompression, "gzip member size \(size) exceeds the limit", readOffset + 16)
        }
        // The file is regular: a size field larger than what is left cannot be backed, so do not allocate for it.
        guard readOffset + Int64(size) <= fileSize else {
            throw error(.truncated, "file ends inside a gzip member (\(readOffset + Int64(size) - fileSize) bytes missing)", fileSize)
        }
        var raw = [UInt8](repeating: 0, count: size)
        let read = try raw.withUnsafeMutableBytes { try input.read(into: $0, at: readOffset) }
        if read < size {
            throw error(.truncated, "file ends inside a gzip member (\(size - read) bytes missing)", readOffset + Int64(read))
        }
        readOffset += Int64(size)
        return raw
    }

    // MARK: Workers

    private func work() {
        let decompressor = MemberDecompressor()
        while true {
            condition.lock()
            while queue.isEmpty && !stopping && !input.hasPendingWork { condition.wait() }
            if stopping {
                liveWorkers -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            // The input's work first (an encrypted file's chunks ahead): the reading thread waits for it.
            if queue.isEmpty || input.hasPendingWork {
                condition.unlock()
                _ = input.runPendingWork()
                continue
            }
            let sequence = queue.removeFirst()
            // swift-format-ignore: NeverForceUnwrap
            var slot = slots[sequence]!  // queued sequences always have a slot
            condition.unlock()
            process(&slot, decompressor)
            condition.lock()
            slots[sequence] = slot
            condition.broadcast()
            condition.unlock()
        }
    }

    private func process(_ slot: inout Slot, _ decompressor: MemberDecompressor) {
        slot.done = true
        do {
            try slot.raw.withUnsafeBytes { try decompressor.inflate(member: $0, maxSize: maxMemberSize, into: &slot.content) }
        } catch let p as MemberDecompressor.Problem {
            slot.error = ArchiveError(.badCompression, p.message, location: .init(path: path, byteOffset: slot.memberOffset + Int64(p.offset)))
            return
        } catch {
            return
        }
        guard let schema = slot.schema else { return }
        let decoder = RowDecoder(table: schema, maxDepth: maxDepth)
        var failures: [Int: RowFailure] = [:]
        slot.content.withUnsafeBytes { buffer in
            var start = 0
            var lineIndex = 0
            while start < buffer.count {
                let end = start + findNewline(UnsafeRawBufferPointer(rebasing: buffer[start...]))
                if end >= buffer.count { break }
                let line = UnsafeRawBufferPointer(rebasing: buffer[start..<end])
                if firstNonWhitespace(line) == UInt8(ascii: "[") {
                    do throws(RowFailure) {
                        _ = try decoder.decode(line, materialize: false)
                    } catch {
                        failures[lineIndex] = error
                    }
                }
                start = end + 1
                lineIndex += 1
            }
        }
        slot.failures = failures
    }

    // MARK: MemberSource (calling thread)

    func nextMember() throws -> Bool {
        readAhead()
        condition.lock()
        if nextDeliver == nextRead {
            condition.unlock()
            return false  // clean end of file
        }
        while !(slots[nextDeliver]?.done ?? false) { condition.wait() }
        // swift-format-ignore: NeverForceUnwrap
        let slot = slots.removeValue(forKey: nextDeliver)!
        inFlightBytes -= slotBytes.removeValue(forKey: nextDeliver) ?? 0
        nextDeliver += 1
        condition.unlock()
        if let error = slot.error { throw error }
        fileHash.update(raw, raw.indices)  // the member before (none at first)
        memberOffset = slot.memberOffset
        memberEnd = slot.memberOffset + Int64(slot.raw.count)
        raw = slot.raw
        content = slot.content
        rowChecks = slot.schema.map { RowChecks(schema: $0, failures: slot.failures) }
        return true
    }

    /// Waits for the file checksum's thread; called once, at the `end` record.
    func checksumBeforeCurrentMember() -> String { fileHash.finish() }

    func isAtEndOfFile() throws -> Bool {
        readAhead()
        condition.lock()
        defer { condition.unlock() }
        return nextDeliver == nextRead && sawEOF && !readFailed
    }
}
