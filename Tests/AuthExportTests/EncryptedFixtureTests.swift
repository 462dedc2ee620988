import Foundation
import Testing

@testable import AuthExport

/// `Fixtures/encrypted`: an age-encrypted valid archive with its test identity, and damaged copies, each failing with
/// its code at its byte offset; and the byte-flip property on the valid one: a change at any of 200 spread offsets
/// and a truncation at any of 50 is detected.
///
/// `RECORD_ENCRYPTED_FIXTURES=1 swift test --filter EncryptedFixtureTests/record` rewrites the fixtures (and fails,
/// so the change is reviewed with git diff).
@Suite struct EncryptedFixtureTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/Fixtures/encrypted"

    struct Expected: Codable {
        var fixture: String
        var description: String
        var code: String
        var byte_offset: Int64?
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
    }

    static func identity() throws -> ArchiveDecryption {
        let text = try String(contentsOfFile: directory + "/identity.txt", encoding: .utf8)
        return ArchiveDecryption(identities: try AgeIdentity.parseIdentityFile(text, path: "identity.txt"))
    }

    /// Verifies `path` with the test identity: nil when valid, else the first problem.
    static func verify(_ path: String, _ decryption: ArchiveDecryption, threads: Int = 1) -> ArchiveError? {
        var options = ArchiveVerifier.Options()
        options.reader.threads = threads
        options.reader.decryption = decryption
        do {
            let report = try ArchiveVerifier(path: path, options: options).run()
            if report.isValid { return nil }
            return report.problems.first ?? ArchiveError(.truncated, "incomplete")
        } catch let error as ArchiveError {
            return error
        } catch {
            return ArchiveError(.io, "\(error)")
        }
    }

    static let invalid = ["wrong-key", "header-mac-flipped", "chunk-byte-flipped", "truncated-at-chunk-boundary", "missing-final-flag"]

    @Test func theValidFixtureVerifiesAndLists() throws {
        let decryption = try Self.identity()
        let path = Self.directory + "/valid.authx.gz.age"
        for threads in [1, 2] { #expect(Self.verify(path, decryption, threads: threads) == nil) }
        var options = ArchiveReader.Options()
        options.decryption = decryption
        let listing = try ArchiveListing(path: path, options: options)
        #expect(listing.end.rows == 6_000)
        #expect(listing.encryption == "age, 1 recipient (X25519)")
        // From a stream too (standard input's path).
        let reader = try ArchiveReader(path: path, options: options)
        var rows = 0
        while let record = try reader.next() { if case .row = record { rows += 1 } }
        #expect(rows == 6_000)
    }

    @Test(arguments: invalid)
    func eachInvalidFixtureFailsWhereExpected(_ name: String) throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(try Self.bytes("invalid/\(name).expected.json")))
        let decryption = try Self.identity()
        for threads in [1, 2] {
            let error = Self.verify(Self.directory + "/invalid/\(name).authx.gz.age", decryption, threads: threads)
            #expect(error?.code.name == expected.code, "\(name): \(String(describing: error))")
            #expect(error?.location.byteOffset == expected.byte_offset, "\(name): \(String(describing: error))")
        }
    }

    /// A change of any byte is caught: by the header MAC or a stanza (header), by a chunk's tag (payload).
    @Test func singleByteFlipsAtSpreadOffsetsAreDetected() throws {
        let original = try Self.bytes("valid.authx.gz.age")
        let headerLength = try #require(try AgeHeader.parse(original)).length
        let decryption = try Self.identity()
        let dir = try TemporaryDirectory()
        let path = dir.path + "/flipped.age"
        var missed: [String] = []
        var withoutOffset: [Int] = []
        let offsets = (0..<200).map { $0 * original.count / 200 } + [original.count - 1]
        for offset in offsets {
            var copy = original
            copy[offset] ^= 0x20
            try Data(copy).write(to: URL(fileURLWithPath: path))
            guard let error = Self.verify(path, decryption) else {
                missed.append("byte \(offset)")
                continue
            }
            // A damaged stanza cannot be told from a key that does not fit (no_identity, in the header); every other
            // error names the byte offset.
            if error.location.byteOffset == nil && !(error.code == .noIdentity && offset < headerLength) {
                withoutOffset.append(offset)
            }
        }
        #expect(missed.isEmpty, "undetected: \(missed)")
        #expect(withoutOffset.isEmpty, "errors without a byte offset for flips at \(withoutOffset)")
    }

    @Test func truncationsAtSpreadOffsetsAreDetected() throws {
        let original = try Self.bytes("valid.authx.gz.age")
        let decryption = try Self.identity()
        let dir = try TemporaryDirectory()
        let path = dir.path + "/cut.age"
        var missed: [Int] = []
        // 50 spread lengths, including every chunk boundary of the payload.
        let headerLength = try #require(try AgeHeader.parse(original)).length
        var lengths = Set((0..<46).map { $0 * original.count / 46 })
        for k in 1...3 { lengths.insert(headerLength + 16 + k * AgePayload.sealedChunkSize) }
        lengths.insert(original.count - 1)
        lengths = lengths.filter { $0 < original.count }
        #expect(lengths.count == 50)
        for length in lengths.sorted() {
            try Data(original[..<length]).write(to: URL(fileURLWithPath: path))
            let error = Self.verify(path, decryption)
            if error == nil || (error?.location.byteOffset == nil && error?.code != .noIdentity) { missed.append(length) }
        }
        #expect(missed.isEmpty, "truncations not detected (or without a byte offset): \(missed)")
    }

    // MARK: Recording

    @Test func record() throws {
        guard ProcessInfo.processInfo.environment["RECORD_ENCRYPTED_FIXTURES"] == "1" else { return }
        let fm = FileManager.default
        try fm.createDirectory(atPath: Self.directory + "/invalid", withIntermediateDirectories: true)
        let identity = AgeIdentity.generate()
        // swift-format-ignore: NeverForceUnwrap
        let recipient = identity.recipient!
        try Data(("# Test identity of Fixtures/encrypted: public on purpose, protects nothing.\n# public key: \(recipient)\n"
            + "\(identity.secretKeyString ?? "")\n").utf8).write(to: URL(fileURLWithPath: Self.directory + "/identity.txt"))
        // A plain archive whose compressed size spans three 64 KiB chunks and a bit (random hex does not compress).
        let dir = try TemporaryDirectory()
        let plainPath = dir.path + "/plain.authx.gz"
        var options = ArchiveWriter.Options()
        options.threads = 1
        let header = ArchiveHeader(
            createdAt: "2026-12-04T00:00:00Z", producer: "authx fixtures", source: .init(backend: "sqlite", database: "app.db"))
        let writer = try ArchiveWriter(path: plainPath, overwrite: false, header: header, options: options)
        try writer.beginTable(
            TableSchema(
                name: "users",
                columns: [Column(name: "id", type: .integer, nullable: false), Column(name: "password_hash", type: .text, nullable: false)],
                primaryKey: ["id"]))
        var generator = SystemRandomNumberGenerator()
        for i in 1...6_000 {
            let hash = (0..<32).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }.joined()
            try writer.append([.integer(Int64(i)), .text(hash)])
        }
        try writer.endTable()
        try writer.finish()
        let plain = Array(try Data(contentsOf: URL(fileURLWithPath: plainPath)))

        func encrypt(_ bytes: [UInt8], to recipients: [AgeRecipient]) throws -> [UInt8] {
            let sink = MemorySink()
            let age = try AgeEncryptingSink(recipients: recipients, next: sink)
            try bytes.withUnsafeBytes { try age.write($0) }
            try age.finish()
            return sink.bytes
        }
        func save(_ bytes: [UInt8], _ name: String) throws {
            try Data(bytes).write(to: URL(fileURLWithPath: Self.directory + "/" + name))
        }
        let valid = try encrypt(plain, to: [recipient])
        try save(valid, "valid.authx.gz.age")
        // swift-format-ignore: NeverForceUnwrap, NeverForceTry
        let headerLength = try AgeHeader.parse(valid)!.length
        let payloadStart = headerLength + 16
        try save(try encrypt(plain, to: [AgeIdentity.generate().recipient!]), "invalid/wrong-key.authx.gz.age")
        var mac = valid
        mac[headerLength - 10] = mac[headerLength - 10] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        try save(mac, "invalid/header-mac-flipped.authx.gz.age")
        var chunk = valid
        chunk[payloadStart + AgePayload.sealedChunkSize + 1000] ^= 0x01
        try save(chunk, "invalid/chunk-byte-flipped.authx.gz.age")
        try save(Array(valid[..<(payloadStart + 2 * AgePayload.sealedChunkSize)]), "invalid/truncated-at-chunk-boundary.authx.gz.age")
        // Every chunk sealed as not final: the file never ends properly.
        // swift-format-ignore: NeverForceUnwrap
        let fileKey = try Self.identity().fileKey(for: try AgeHeader.parse(valid)!, path: "valid")
        let payload = AgePayload(fileKey: fileKey, nonce: Array(valid[headerLength..<payloadStart]))
        var unfinished = Array(valid[..<payloadStart])
        var index: Int64 = 0
        var start = 0
        while start < plain.count {
            let end = min(plain.count, start + AgePayload.chunkSize)
            plain.withUnsafeBytes { payload.seal(UnsafeRawBufferPointer(rebasing: $0[start..<end]), index: index, last: false, into: &unfinished) }
            index += 1
            start = end
        }
        try save(unfinished, "invalid/missing-final-flag.authx.gz.age")
        Issue.record("Fixtures/encrypted rewritten: review with git diff, then write the expected errors")
    }
}
