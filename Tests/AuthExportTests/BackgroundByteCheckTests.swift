import Foundation
import Testing

@testable import AuthExport

/// A byte check run on its own thread sees every byte in order, and is judged only once it has seen them all.
@Suite struct BackgroundByteCheckTests {
    /// Records what it sees, slowly, and how much it had seen when judged.
    final class RecordingCheck: ArchiveByteCheck, @unchecked Sendable {
        var seen: [UInt8] = []
        var seenAtFinish: Int?
        let failure: (any Error)?

        init(failure: (any Error)? = nil) { self.failure = failure }

        func update(_ bytes: UnsafeRawBufferPointer) {
            usleep(200)  // slower than the feeding thread, so blocks wait in the queue
            seen.append(contentsOf: bytes)
        }

        func finish() throws {
            seenAtFinish = seen.count
            if let failure { throw failure }
        }
    }

    @Test func everyByteInOrderThenJudged() throws {
        // Blocks of 0 bytes to 3 MiB, 12 MiB above the queue's bound in all, each filled with its own byte.
        let sizes = [0, 1, 3 << 20, 17, 1 << 20, 65536, 3 << 20, 5, 2 << 20, 3 << 20, 123_457] + Array(repeating: 4096, count: 300)
        var expected: [UInt8] = []
        let check = RecordingCheck()
        let background = BackgroundByteCheck(check)
        for (index, size) in sizes.enumerated() {
            let block = [UInt8](repeating: UInt8(index % 251), count: size)
            expected += block
            block.withUnsafeBytes { background.update($0) }
        }
        try background.finish()
        #expect(check.seenAtFinish == expected.count)
        #expect(check.seen == expected)
    }

    @Test func theCheckVerdictIsThrownAndTheThreadStopsWithTheWrapper() throws {
        struct Refused: Error {}
        let check = RecordingCheck(failure: Refused())
        var background: BackgroundByteCheck? = BackgroundByteCheck(check)
        [UInt8](repeating: 7, count: 1000).withUnsafeBytes { background?.update($0) }
        #expect(throws: Refused.self) { try background?.finish() }
        #expect(check.seenAtFinish == 1000)
        // Gone with bytes still queued: its thread stops before the deinitializer returns, so no update follows.
        for _ in 0..<50 { [UInt8](repeating: 1, count: 4096).withUnsafeBytes { background?.update($0) } }
        background = nil
        let count = check.seen.count
        usleep(20_000)
        #expect(check.seen.count == count && count < 1000 + 50 * 4096)
    }
}
