import Foundation
import Testing

@testable import AuthExport

/// A sink that keeps the bytes in memory.
final class MemorySink: ByteSink {
    var bytes: [UInt8] = []
    var finished = false
    func write(_ buffer: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: buffer) }
    func finish() throws { finished = true }
}

/// The age v1 layer: Bech32 and base64 as age uses them, the spec's key vector, header, stanzas, MAC and STREAM.
@Suite struct AgeTests {
    // MARK: Bech32 (BIP-173 test vectors)

    @Test(arguments: [
        "A12UEL5L", "a12uel5l",
        "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "11" + String(repeating: "q", count: 82) + "c8247j",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", "?1ezyfcl",
    ])
    func bech32ValidChecksum(_ string: String) throws {
        let (hrp, data) = try Bech32.decode5(string)
        #expect(Bech32.encode5(hrp: hrp, data: data, uppercase: string.uppercased() == string && string.lowercased() != string) == string)
    }

    @Test(arguments: [
        "\u{20}1nwldj5", "\u{7F}1axkwrx", "\u{80}1eym55h", "pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3",
        "de1lg7wt\u{FF}", "A1G7SGD8", "10a06t8", "1qzzfhee", "a12UEL5L",
    ])
    func bech32InvalidChecksum(_ string: String) {
        #expect(throws: Bech32.Failure.self) { try Bech32.decode5(string) }
    }

    /// The X25519 example in age.md: the identity's public key is the recipient given there.
    @Test func specKeyVector() throws {
        let identity = try AgeIdentity(string: "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX")
        #expect(identity.recipient?.description == "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj")
        #expect(identity.secretKeyString == "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX")
        #expect(throws: ArchiveError.self) { try AgeRecipient(string: "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwq") }
        #expect(throws: ArchiveError.self) { try AgeIdentity(string: "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj") }
    }

    @Test func base64IsStrict() {
        for n in 0..<40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            #expect(Base64Raw.decode(Base64Raw.encode(bytes)) == bytes)
        }
        #expect(Base64Raw.decode(Array("AA==".utf8)) == nil)  // padding
        #expect(Base64Raw.decode(Array("AB".utf8)) == nil)  // non-zero spare bits
        #expect(Base64Raw.decode(Array("A".utf8)) == nil)
        #expect(Base64Raw.decode(Array("A-".utf8)) == nil)
    }

    // MARK: Round trips

    static func encrypt(_ plain: [UInt8], to recipients: [AgeRecipient], writes: Int = 7) throws -> [UInt8] {
        let sink = MemorySink()
        let age = try AgeEncryptingSink(recipients: recipients, next: sink)
        var start = 0
        var step = 1
        while start < plain.count {  // uneven writes
            let end = min(plain.count, start + step * writes)
            try plain.withUnsafeBytes { try age.write(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
            start = end
            step = step * 3 % 65_537 + 1
        }
        try age.finish()
        #expect(sink.finished)
        return sink.bytes
    }

    static func decryptStream(_ file: [UInt8], _ decryption: ArchiveDecryption) throws -> [UInt8] {
        let input = try ArchiveInput.openStream(StreamInput(bytes: file, name: "mem"), path: "mem", decryption: decryption)
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 10_000)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try input.read(into: $0) }
            out += buffer[..<n]
            if n < buffer.count { return out }
        }
    }

    static func withFile<T>(_ bytes: [UInt8], _ body: (String) throws -> T) throws -> T {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/f.age"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return try body(path)
    }

    static func readAt(_ input: any RandomAccessInput, _ offset: Int64, _ count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let n = try buffer.withUnsafeMutableBytes { try input.read(into: $0, at: offset) }
        return Array(buffer[..<n])
    }

    @Test(arguments: [0, 1, 65_535, 65_536, 65_537, 3 * 65_536, 200_001])
    func roundTripBothReaders(size: Int) throws {
        let identity = AgeIdentity.generate()
        let plain = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        // swift-format-ignore: NeverForceUnwrap
        let file = try Self.encrypt(plain, to: [identity.recipient!])
        let chunks = max(1, (size + 65_535) / 65_536)
        #expect(file.count == Self.headerLength(file) + 16 + size + 16 * chunks)
        let decryption = ArchiveDecryption(identities: [identity])
        #expect(try Self.decryptStream(file, decryption) == plain)
        try Self.withFile(file) { path in
            // swift-format-ignore: NeverForceUnwrap
            let input = try ArchiveInput.openRandomAccess(path: path, decryption: decryption)!
            defer { input.close() }
            #expect(input.size == Int64(size))
            #expect(try Self.readAt(input, 0, size + 10) == plain)
            for offset in [0, 1, 65_535, 65_536, 131_071, size - 3].filter({ $0 >= 0 && $0 < size }) {
                #expect(try Self.readAt(input, Int64(offset), 5) == Array(plain[offset..<min(size, offset + 5)]))
            }
        }
    }

    /// Chunks queued by `willRead` are decrypted by other threads (`runPendingWork`), and a read then takes their
    /// plaintext; a chunk that fails to authenticate ahead fails only when it is read, with its offset.
    @Test func chunksQueuedAheadAreDecryptedByOtherThreadsAndReadInOrder() throws {
        let identity = AgeIdentity.generate()
        let size = 40 * 65_536 + 1_000
        let plain = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        // swift-format-ignore: NeverForceUnwrap
        var file = try Self.encrypt(plain, to: [identity.recipient!])
        let payloadStart = Self.headerLength(file) + 16
        let damaged = 20
        file[payloadStart + damaged * AgePayload.sealedChunkSize + 100] ^= 1
        let decryption = ArchiveDecryption(identities: [identity])
        try Self.withFile(file) { path in
            let opened = try ArchiveInput.openRandomAccess(path: path, decryption: decryption)
            let input = try #require(opened as? EncryptedFileInput)
            defer { input.close() }
            #expect(input.willRead(from: 0))
            #expect(input.hasPendingWork)
            // Two threads drain the queue while this one waits.
            let done = DispatchGroup()
            for _ in 0..<2 {
                DispatchQueue.global().async(group: done) { while input.runPendingWork() {} }
            }
            done.wait()
            #expect(!input.hasPendingWork)
            #expect(input.chunksDecryptedAhead == Int(EncryptedFileInput.readAheadChunks))
            // Reading the queued chunks decrypts none again; the damaged one fails when read, not before.
            let before = input.bytesRead
            #expect(try Self.readAt(input, 0, damaged * 65_536) == Array(plain[..<(damaged * 65_536)]))
            #expect(input.bytesRead == before)
            let error = #expect(throws: ArchiveError.self) { try Self.readAt(input, Int64(damaged * 65_536), 10) }
            #expect(error?.code == .badEncryption)
            #expect(error?.location.byteOffset == Int64(payloadStart + damaged * AgePayload.sealedChunkSize))
            // Past it, reads (ahead or not) go on.
            #expect(input.willRead(from: Int64((damaged + 1) * 65_536)))
            #expect(input.runPendingWork())
            #expect(try Self.readAt(input, Int64((damaged + 1) * 65_536), 65_536 * 3) == Array(plain[((damaged + 1) * 65_536)..<((damaged + 4) * 65_536)]))
        }
    }

    /// The parallel reader of an encrypted archive has its worker threads decrypt the chunks ahead, and reads the
    /// archive as the sequential reader does.
    @Test func theParallelReaderDecryptsOnItsWorkers() throws {
        let identity = AgeIdentity.generate()
        let dir = try TemporaryDirectory()
        let path = dir.path + "/a.authx.gz.age"
        var options = ArchiveWriter.Options()
        // swift-format-ignore: NeverForceUnwrap
        options.recipients = [identity.recipient!]
        options.compressionLevel = 1
        let header = ArchiveHeader(createdAt: "2026-01-01T00:00:00Z", producer: "t", source: .init(backend: "sqlite", database: "d"))
        let writer = try ArchiveWriter(path: path, overwrite: false, header: header, options: options)
        try writer.beginTable(TableSchema(name: "t", columns: [Column(name: "h", type: .text, nullable: false)]))
        var generator = SystemRandomNumberGenerator()
        // About 9.6 MB of random hex, some 5 MB and 80 chunks once compressed: more than the header's read takes.
        // That read fetches the first few members (2 × threads + 2 in flight, about 2.5 MB here) on the reading
        // thread, which decrypts any queued chunk it reaches first; the chunks queued past them (read-ahead is
        // 32 chunks from the last member's start) are left to the workers. With a file the read covers whole, a
        // loaded machine could let the reading thread decrypt every chunk before a worker ran.
        for _ in 0..<60_000 {
            try writer.append([.text((0..<10).map { _ in String(generator.next() as UInt64, radix: 16) }.joined())])
        }
        try writer.endTable()
        try writer.finish()
        for threads in [1, 2] {
            var readerOptions = ArchiveReader.Options()
            readerOptions.threads = threads
            readerOptions.decryption = ArchiveDecryption(identities: [identity])
            let reader = try ArchiveReader(path: path, options: readerOptions)
            var rows = 0
            let header = try reader.next()
            #expect(header != nil)
            let input = (reader.members as? ParallelMemberSource)?.input as? EncryptedFileInput
            #expect((input != nil) == (threads == 2))
            if let input {
                // The header's read queued the chunks ahead, and the reading thread stops reading members until the
                // test reads on: chunks queued past them wait for a worker. Give the workers up to 10 s, so that
                // this checks that they decrypt, not how fast they are scheduled.
                #expect(input.hasPendingWork || input.chunksDecryptedAhead > 0, "the header's read left no chunk queued")
                let deadline = Date().addingTimeInterval(10)
                while input.chunksDecryptedAhead == 0 && Date() < deadline { usleep(10_000) }
                #expect(input.chunksDecryptedAhead > 0, "no chunk was decrypted by a worker")
            }
            while let record = try reader.next() { if case .row = record { rows += 1 } }
            #expect(rows == 60_000)
        }
    }

    static func headerLength(_ file: [UInt8]) -> Int {
        // swift-format-ignore: NeverForceUnwrap, NeverForceTry
        try! AgeHeader.parse(file)!.length
    }

    @Test func anyOfSeveralRecipientsDecryptsAndAStrangerCannot() throws {
        let keys = (0..<3).map { _ in AgeIdentity.generate() }
        let plain = Array("hello, recipients".utf8)
        // swift-format-ignore: NeverForceUnwrap
        let file = try Self.encrypt(plain, to: keys.map { $0.recipient! })
        for key in keys { #expect(try Self.decryptStream(file, ArchiveDecryption(identities: [key])) == plain) }
        let error = #expect(throws: ArchiveError.self) {
            try Self.decryptStream(file, ArchiveDecryption(identities: [AgeIdentity.generate()]))
        }
        #expect(error?.code == .noIdentity)
        #expect(error?.message.contains("3 recipients") == true)
        let none = #expect(throws: ArchiveError.self) { try Self.decryptStream(file, ArchiveDecryption()) }
        #expect(none?.code == .noIdentity)
        #expect(none?.message.contains("no identity given") == true)
    }

    @Test func passphraseRoundTrip() throws {
        let plain = Array(repeating: UInt8(7), count: 70_000)
        let file = try Self.encrypt(plain, to: [.passphrase("correct horse", workFactor: 10)])
        #expect(String(decoding: file.prefix(40), as: UTF8.self).contains("-> scrypt "))
        #expect(try Self.decryptStream(file, ArchiveDecryption(passphrase: { "correct horse" })) == plain)
        #expect(try Self.decryptStream(file, ArchiveDecryption(identities: [.passphrase("correct horse")])) == plain)
        let wrong = #expect(throws: ArchiveError.self) {
            try Self.decryptStream(file, ArchiveDecryption(identities: [.passphrase("wrong")]))
        }
        #expect(wrong?.code == .noIdentity)
        #expect(throws: ArchiveError.self) {
            try Self.encrypt(plain, to: [.passphrase("a"), AgeIdentity.generate().recipient!])
        }
    }

    @Test func headerMACChangeIsDetected() throws {
        let identity = AgeIdentity.generate()
        // swift-format-ignore: NeverForceUnwrap
        var file = try Self.encrypt([1, 2, 3], to: [identity.recipient!])
        // Flip a bit in the MAC's base64 text ('A' <-> 'B' stay valid base64).
        let macStart = Self.headerLength(file) - 44
        file[macStart + 5] = file[macStart + 5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let error = #expect(throws: ArchiveError.self) { try Self.decryptStream(file, ArchiveDecryption(identities: [identity])) }
        #expect(error?.code == .badEncryption || error?.code == .noIdentity)
    }

    /// A payload whose last chunk is sealed without the final flag: what a file cut at a chunk boundary looks like.
    @Test func missingFinalFlagIsTruncation() throws {
        let identity = AgeIdentity.generate()
        let plain = [UInt8](repeating: 9, count: 2 * 65_536 + 10)
        // swift-format-ignore: NeverForceUnwrap
        let file = try Self.encrypt(plain, to: [identity.recipient!])
        let cut = Array(file[..<(Self.headerLength(file) + 16 + 2 * AgePayload.sealedChunkSize)])
        let decryption = ArchiveDecryption(identities: [identity])
        let stream = #expect(throws: ArchiveError.self) { try Self.decryptStream(cut, decryption) }
        #expect(stream?.code == .truncated)
        #expect(stream?.location.byteOffset == Int64(cut.count))
        try Self.withFile(cut) { path in
            let error = #expect(throws: ArchiveError.self) { try ArchiveInput.openRandomAccess(path: path, decryption: decryption) }
            #expect(error?.code == .truncated)
        }
    }

    @Test func headerParsing() throws {
        #expect(try AgeHeader.parse(Array("age-encryption.org/v1\n-> X25519 abc\n".utf8)) == nil)  // needs more
        #expect(throws: AgeHeader.Failure.self) { try AgeHeader.parse(Array("age-encryption.org/v2\n".utf8)) }
        #expect(throws: AgeHeader.Failure.self) { try AgeHeader.parse(Array("-----BEGIN AGE ENCRYPTED FILE-----\n".utf8)) }
        #expect(throws: AgeHeader.Failure.self) { try AgeHeader.parse(Array("age-encryption.org/v1\n-> X25519  a\n\n--- ".utf8)) }
        #expect(throws: AgeHeader.Failure.self) { try AgeHeader.parse(Array("age-encryption.org/v1\n--- AAAA\n".utf8)) }
        // A body of exactly 48 bytes is one full line and an empty final line, written and read back.
        let stanza = AgeHeader.Stanza(arguments: ["x", "y"], body: Array(0..<48))
        let text = AgeHeader.encodeWithoutMAC([stanza]) + Array(" ".utf8) + Base64Raw.encode([UInt8](repeating: 0, count: 32)) + [10]
        // swift-format-ignore: NeverForceUnwrap
        let parsed = try AgeHeader.parse(text)!
        #expect(parsed.stanzas.map(\.body) == [stanza.body])
        #expect(parsed.length == text.count)
    }
}
