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
    }

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
    private var nextSubmit = 0
    private var nextDeliver = 0
    private var stopping = false
    private let maxInFlight: Int
    private let level: Int
    private let inline: MemberCompressor?
    private var threads: [Thread] = []
    private var liveWorkers = 0
    /// Compressed-member buffers ready for reuse.
    private var outputPool: [[UInt8]] = []

    /// `threads == 1` compresses on the caller's thread.
    init(threads: Int, level: Int) {
        self.level = level
        self.maxInFlight = max(2, threads * 2 + 1)
        if threads <= 1 {
            inline = MemberCompressor(level: level)
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
        let compressor = MemberCompressor(level: level)
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
            job.content.withUnsafeBytes { compressor.member($0, into: &member) }
            condition.lock()
            finished[job.sequence] = Done(member: member, content: job.content, tag: job.tag)
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Queues `content`; calls `deliver` for every member that is ready, in order. Blocks while too many are in flight.
    func submit(_ content: [UInt8], tag: Int, deliver: (Done) throws -> Void) rethrows {
        if let inline {
            condition.lock()
            var member = outputPool.popLast() ?? []
            condition.unlock()
            content.withUnsafeBytes { inline.member($0, into: &member) }
            try deliver(Done(member: member, content: content, tag: tag))
            return
        }
        condition.lock()
        queue.append(Job(sequence: nextSubmit, content: content, tag: tag))
        nextSubmit += 1
        condition.broadcast()
        condition.unlock()
        try drain(deliver, untilInFlightBelow: maxInFlight)
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
