import Foundation

/// Compresses members on worker threads and hands them back in submission order.
///
/// At most `maxInFlight` members are queued or being compressed, so memory stays bounded whatever the archive size.
/// Buffers circulate instead of being allocated per member: a ``Done`` hands back the content buffer it was made
/// from, and ``recycle(_:)`` returns the compressed buffer to the workers once it has been written.
final class CompressionPipeline: @unchecked Sendable {
    struct Job {
        var sequence: Int
        var content: [UInt8]
        var tag: Int
        var level: Int
        /// Also compress at ``fastLevel`` and keep both sizes for ``probeResult(_:)`` (the member keeps `level`).
        var probe: Bool
    }

    /// What a probe found: the member's compressed size at the job's level and at ``fastLevel``.
    struct Probe {
        var full: Int
        var fast: Int
    }

    /// The level a probe compares with: libdeflate's fastest.
    static let fastLevel = 1

    struct Done {
        /// The compressed gzip member.
        var member: [UInt8]
        /// The submitted content, given back for reuse.
        var content: [UInt8]
        var tag: Int
    }

    private let condition = NSCondition()
    private var queue: [Job] = []
    private var finished: [Int: Done] = [:]
    private var probes: [Int: Probe] = [:]
    private var nextSubmit = 0
    private var nextDeliver = 0
    private var stopping = false
    private let maxInFlight: Int
    private let inline: MemberCompressors?
    private var threads: [Thread] = []
    private var liveWorkers = 0
    /// Compressed-member buffers ready for reuse.
    private var outputPool: [[UInt8]] = []

    /// `threads == 1` compresses on the caller's thread.
    init(threads: Int) {
        self.maxInFlight = max(2, threads * 2 + 1)
        if threads <= 1 {
            inline = MemberCompressors()
        } else {
            inline = nil
            for _ in 0..<threads {
                // Workers hold the pipeline strongly; shutdown() (always called by the writer) stops and joins them.
                let thread = Thread { self.work() }
                thread.stackSize = 1 << 20
                liveWorkers += 1
                self.threads.append(thread)
                thread.start()
            }
        }
    }



    /// Stops the workers (pending jobs are dropped) and waits until they have exited.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while liveWorkers > 0 { condition.wait() }
        condition.unlock()
    }

    private func work() {
        let compressors = MemberCompressors()
        var scratch: [UInt8] = []
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if stopping {
                liveWorkers -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let job = queue.removeFirst()
            var member = outputPool.popLast() ?? []
            condition.unlock()
            let probe = compressors.compress(job, into: &member, scratch: &scratch)
            condition.lock()
            if let probe { probes[job.sequence] = probe }
            finished[job.sequence] = Done(member: member, content: job.content, tag: job.tag)
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Queues `content` to be compressed at `level` (with `probe`, also at ``fastLevel``, for
    /// ``probeResult(_:)``); calls `deliver` for every member that is ready, in order. Blocks while too many are in
    /// flight.
    ///
    /// - Returns: the member's sequence number.
    @discardableResult
    func submit(_ content: [UInt8], tag: Int, level: Int, probe: Bool = false, deliver: (Done) throws -> Void) rethrows
        -> Int
    {
        condition.lock()
        let job = Job(sequence: nextSubmit, content: content, tag: tag, level: level, probe: probe)
        nextSubmit += 1
        condition.unlock()
        if let inline {
            condition.lock()
            var member = outputPool.popLast() ?? []
            condition.unlock()
            var scratch: [UInt8] = []
            let result = inline.compress(job, into: &member, scratch: &scratch)
            condition.lock()
            if let result { probes[job.sequence] = result }
            nextDeliver += 1
            condition.unlock()
            try deliver(Done(member: member, content: content, tag: tag))
            return job.sequence
        }
        condition.lock()
        queue.append(job)
        condition.broadcast()
        condition.unlock()
        try drain(deliver, untilInFlightBelow: maxInFlight)
        return job.sequence
    }

    /// The sizes found by the probe of member `sequence` (submitted with `probe: true`), waiting for its worker.
    func probeResult(_ sequence: Int) -> Probe {
        condition.lock()
        defer { condition.unlock() }
        while probes[sequence] == nil { condition.wait() }
        return probes.removeValue(forKey: sequence)!
    }

    /// Gives a delivered member's buffer back for reuse (optional; at most a few are kept).
    func recycle(_ member: [UInt8]) {
        condition.lock()
        if outputPool.count <= maxInFlight { outputPool.append(member) }
        condition.unlock()
    }

    /// Delivers every remaining member, in order.
    func flush(_ deliver: (Done) throws -> Void) rethrows {
        guard inline == nil else { return }
        try drain(deliver, untilInFlightBelow: 1)
    }

    private func drain(_ deliver: (Done) throws -> Void, untilInFlightBelow limit: Int) rethrows {
        while true {
            condition.lock()
            // Deliver what is ready without blocking; block only while over the limit.
            while finished[nextDeliver] == nil && nextSubmit - nextDeliver >= limit { condition.wait() }
            guard let done = finished.removeValue(forKey: nextDeliver) else {
                condition.unlock()
                return
            }
            nextDeliver += 1
            condition.unlock()
            try deliver(done)
        }
    }
}

/// One libdeflate compressor per level used, made on first use.
private final class MemberCompressors {
    private var byLevel: [Int: MemberCompressor] = [:]

    private func compressor(_ level: Int) -> MemberCompressor {
        if let compressor = byLevel[level] { return compressor }
        let compressor = MemberCompressor(level: level)
        byLevel[level] = compressor
        return compressor
    }

    /// Compresses `job` into `member`; for a probe, also at the fast level into `scratch`, and returns both sizes.
    func compress(_ job: CompressionPipeline.Job, into member: inout [UInt8], scratch: inout [UInt8])
        -> CompressionPipeline.Probe?
    {
        job.content.withUnsafeBytes { content in
            compressor(job.level).member(content, into: &member)
            guard job.probe else { return nil }
            compressor(CompressionPipeline.fastLevel).member(content, into: &scratch)
            return CompressionPipeline.Probe(full: member.count, fast: scratch.count)
        }
    }
}
