import Foundation
import Testing

@testable import AuthExport

/// The queue both restores hand batches over with, between a reading and a writing thread.
@Suite struct BoundedBatchQueueTests {
    final class Payload: Sendable {
        let id: Int
        init(_ id: Int) { self.id = id }
    }

    /// A flag set from another thread.
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        func set() { lock.withLock { value = true } }
        var isSet: Bool { lock.withLock { value } }
    }

    @Test func batchesArriveInOrderAcrossThreads() {
        let queue = BoundedBatchQueue<Int>(maxBytes: 100)
        let count = 10_000
        Thread.detachNewThread {
            for i in 0..<count { _ = queue.push(i, bytes: 7) }
        }
        var received: [Int] = []
        for _ in 0..<count {
            guard let value = queue.pop() else { break }
            received.append(value)
        }
        #expect(received == Array(0..<count))
    }

    @Test func aFullQueueMakesTheProducerWait() throws {
        let queue = BoundedBatchQueue<Int>(maxBytes: 25)
        #expect(queue.push(1, bytes: 10))
        #expect(queue.push(2, bytes: 10))
        let pushed = Flag()
        Thread.detachNewThread {
            _ = queue.push(3, bytes: 10)  // 30 bytes would exceed 25: waits for a pop
            pushed.set()
        }
        Thread.sleep(forTimeInterval: 0.2)
        #expect(!pushed.isSet)
        #expect(queue.pop() == 1)
        let deadline = Date().addingTimeInterval(10)
        while !pushed.isSet && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(pushed.isSet)
        #expect(queue.pop() == 2)
        #expect(queue.pop() == 3)

        // A batch larger than the bound still fits an empty queue.
        #expect(queue.push(4, bytes: 1_000))
        #expect(queue.pop() == 4)
    }

    @Test func aTakenBatchIsNotKeptAlive() {
        let queue = BoundedBatchQueue<Payload>(maxBytes: 1 << 20)
        weak var first: Payload?
        do {
            let payload = Payload(1)
            first = payload
            #expect(queue.push(payload, bytes: 1))
            #expect(queue.push(Payload(2), bytes: 1))
        }
        do {
            let taken = queue.pop()
            #expect(taken?.id == 1)
        }
        // The queue still holds batch 2, but must not hold batch 1 any more.
        #expect(first == nil)
        #expect(queue.pop()?.id == 2)
    }

    @Test func cancellingReleasesBothSides() {
        let queue = BoundedBatchQueue<Int>(maxBytes: 10)
        #expect(queue.push(1, bytes: 10))
        let producerDone = Flag()
        let consumerDone = Flag()
        Thread.detachNewThread {
            let accepted = queue.push(2, bytes: 10)  // waits: the queue is full
            if !accepted { producerDone.set() }
        }
        let empty = BoundedBatchQueue<Int>(maxBytes: 10)
        Thread.detachNewThread {
            if empty.pop() == nil { consumerDone.set() }  // waits: the queue is empty
        }
        Thread.sleep(forTimeInterval: 0.1)
        queue.cancel()
        empty.cancel()
        let deadline = Date().addingTimeInterval(10)
        while !(producerDone.isSet && consumerDone.isSet) && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(producerDone.isSet)
        #expect(consumerDone.isSet)
        #expect(queue.pop() == nil)
        #expect(!queue.push(3, bytes: 1))
    }

    @Test func spentBatchesTravelBackToTheProducer() {
        let queue = BoundedBatchQueue<Int>(maxBytes: 100)
        queue.recycle(1)
        queue.recycle(2)
        #expect(queue.takeRecycled() == [1, 2])
        #expect(queue.takeRecycled().isEmpty)
    }
}
