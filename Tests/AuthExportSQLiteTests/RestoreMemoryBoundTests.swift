import Testing

@testable import AuthExportSQLite

/// The SQLite restore's peak memory (issue 23: under 100 MB at every size) is set by a few configured sizes: the
/// batches between the reading and the writing thread, the load's page cache, and the checking connections' page
/// caches. These bounds hold whatever the archive; the rest of the process (the archive reader's members in
/// flight, the runtime) measured about 45–50 MB.
@Suite struct RestoreMemoryBoundTests {
    /// What the configured sizes of a phase may add up to.
    static let phaseBudget = 32 << 20

    @Test func loadPhaseIsBounded() {
        // Queued batches, plus one being filled by the reader and one being written, plus the load's page cache.
        let batches = PrefetchingRecordSource.queueBytes + 2 * PrefetchingRecordSource.batchBytes
        let load = batches + SQLiteRestore.loadCacheKiB * 1024
        #expect(load <= Self.phaseBudget, "load phase: \(load >> 20) MiB configured")
    }

    @Test(arguments: 1...4)
    func checkPhaseIsBoundedWhateverTheCores(workers: Int) {
        let caches = RestoreVerifier.checkCacheKiB(workers: workers) * 1024 * workers
        #expect(caches <= Self.phaseBudget, "\(workers) checking connections: \(caches >> 20) MiB of page cache")
        #expect(RestoreVerifier.checkCacheKiB(workers: workers) >= 2048, "a useful cache per connection")
        #expect(SQLiteRestore.checkThreads <= 4, "at most 4 checking connections")
    }

    /// The queue's bound counts what the batches allocated: arrays grow by doubling, so counting their length
    /// alone let the queue hold up to twice its bound.
    @Test func batchesCountWhatTheyAllocate() {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1 << 20)
        bytes.append(1)
        var cells: [BoundCell] = []
        cells.reserveCapacity(10_000)
        cells.append(.text(0, 1))
        let batch = EncodedBatch(cells: cells, bytes: bytes)
        #expect(batch.memoryBytes >= bytes.capacity + cells.capacity * MemoryLayout<BoundCell>.stride)
    }
}
