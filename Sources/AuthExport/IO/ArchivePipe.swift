import Foundation

/// An archive read while another thread writes it: a producer (an exporter reading a database) writes the archive
/// into a pipe, and a reader takes the records as they come — the same record stream the archive file would
/// hold, without the file. `verify --against` compares a database this way (``RecordComparator``).
package enum ArchivePipe {
    /// Runs `producer` on a thread with the pipe's write end, and `body` with a reader of the read end.
    ///
    /// The producer's error wins over the reader's when the producer stopped first (a reader that sees the
    /// archive end early only reports truncation); when `body` stops first, its error wins and the producer's
    /// writes fail, which stops it.
    ///
    /// - Throws: the producer's error, else `body`'s.
    package static func withReader<T>(
        options: ArchiveReader.Options = .init(), producer: @escaping @Sendable (Int32) throws -> Void,
        body: (ArchiveReader) throws -> T
    ) throws -> T {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ArchiveError(.io, "cannot create a pipe: errno \(errno)") }
        // A write to a pipe whose reader has gone fails with EPIPE instead of killing the process.
        signal(SIGPIPE, SIG_IGN)
        let readEnd = fds[0]
        let writeEnd = fds[1]
        let outcome = ProducerOutcome()
        let thread = Thread {
            do { try producer(writeEnd) } catch { outcome.set(error) }
            outcome.finish()
            close(writeEnd)
            outcome.done.signal()
        }
        thread.start()
        let result: Result<T, any Error>
        do {
            var reader: ArchiveReader? = try ArchiveReader(path: "/dev/fd/\(readEnd)", options: options)
            // swift-format-ignore: NeverForceUnwrap (just created)
            result = Result { try body(reader!) }
            reader = nil
        } catch {
            result = .failure(error)
        }
        let producerStoppedFirst = outcome.isFinished
        close(readEnd)
        outcome.done.wait()
        if let error = outcome.error, producerStoppedFirst || (try? result.get()) != nil { throw error }
        return try result.get()
    }

    private final class ProducerOutcome: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var stored: (any Error)?
        private var finished = false
        var error: (any Error)? { lock.withLock { stored } }
        var isFinished: Bool { lock.withLock { finished } }
        func set(_ error: any Error) { lock.withLock { stored = error } }
        func finish() { lock.withLock { finished = true } }
    }
}
