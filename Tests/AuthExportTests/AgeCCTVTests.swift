import Crypto
import Foundation
import Testing

@testable import AuthExport

/// The C2SP/CCTV age test vectors (`Tests/Fixtures/cctv-age`, see its README for their origin), run through both of
/// our decrypting inputs: the stream one (standard input) and the random-access one (a regular file). A `success`
/// vector must decrypt to its payload hash; every failure vector must fail (`no match` as `.noIdentity`, the others
/// as `.badEncryption` or `.truncated`), and a `payload failure` must release no more plaintext than the vector says
/// was good.
@Suite struct AgeCCTVTests {
    struct VectorFileError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .path + "/Fixtures/cctv-age/vectors"

    struct Vector: CustomTestStringConvertible, Sendable {
        var name: String
        var expect: String
        var payload: String?
        var identities: [String] = []
        var passphrases: [String] = []
        var file: [UInt8]
        var testDescription: String { name }
    }

    static func vectors() throws -> [Vector] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        return try names.map { name in
            let data = Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
            guard let split = (0..<(data.count - 1)).first(where: { data[$0] == 0x0A && data[$0 + 1] == 0x0A }) else {
                throw VectorFileError("\(name): no empty line after the vector's header")
            }
            var vector = Vector(name: name, expect: "", file: Array(data[(split + 2)...]))
            for line in String(decoding: data[..<split], as: UTF8.self).split(separator: "\n") {
                guard let colon = line.range(of: ": ") else { throw VectorFileError("\(name): bad header line \(line)") }
                let value = String(line[colon.upperBound...])
                switch line[..<colon.lowerBound] {
                case "expect": vector.expect = value
                case "payload": vector.payload = value
                case "identity": vector.identities.append(value)
                case "passphrase": vector.passphrases.append(value)
                case "armored", "compressed": throw VectorFileError("\(name): armored/compressed vectors are not in this subset")
                default: break  // file key, comment
                }
            }
            return vector
        }
    }

    static func decryption(_ vector: Vector) throws -> ArchiveDecryption {
        let passphrase = vector.passphrases.first
        let ask: (@Sendable () throws -> String)? = passphrase.map { p in { @Sendable in p } }
        return ArchiveDecryption(identities: try vector.identities.map { try AgeIdentity(string: $0) }, passphrase: ask)
    }

    static func hex(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    /// Reads the whole plaintext through the stream input; returns what was released and the error that stopped it.
    static func stream(_ vector: Vector) throws -> (plain: [UInt8], error: ArchiveError?) {
        var plain: [UInt8] = []
        do {
            let input = try ArchiveInput.openStream(
                StreamInput(bytes: vector.file, name: vector.name), path: vector.name, decryption: try decryption(vector))
            var buffer = [UInt8](repeating: 0, count: 4_096)
            while true {
                let n = try buffer.withUnsafeMutableBytes { try input.read(into: $0) }
                plain += buffer[..<n]
                if n == 0 { return (plain, nil) }
            }
        } catch let error as ArchiveError {
            return (plain, error)
        }
    }

    /// Reads the whole plaintext through the random-access input of a regular file.
    static func randomAccess(_ vector: Vector) throws -> (plain: [UInt8], error: ArchiveError?) {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/" + vector.name
        try Data(vector.file).write(to: URL(fileURLWithPath: path))
        do {
            guard let input = try ArchiveInput.openRandomAccess(path: path, decryption: try decryption(vector)) else {
                throw VectorFileError("\(path) did not open as a regular file")
            }
            defer { input.close() }
            var plain = [UInt8](repeating: 0, count: Int(input.size) + 1)
            let n = try plain.withUnsafeMutableBytes { try input.read(into: $0, at: 0) }
            return (Array(plain[..<n]), nil)
        } catch let error as ArchiveError {
            return ([], error)
        }
    }

    @Test(arguments: try vectors())
    func vector(_ vector: Vector) throws {
        #expect(["success", "no match", "HMAC failure", "header failure", "payload failure"].contains(vector.expect))
        for (reader, result) in [("stream", try Self.stream(vector)), ("file", try Self.randomAccess(vector))] {
            switch vector.expect {
            case "success":
                #expect(result.error == nil, "\(reader): \(result.error.map { "\($0)" } ?? "")")
                #expect(Self.hex(result.plain) == vector.payload, "\(reader): payload hash")
            case "no match":
                #expect(result.error?.code == .noIdentity, "\(reader): \(result.error.map { "\($0)" } ?? "no error")")
            default:
                #expect(
                    result.error?.code == .badEncryption || result.error?.code == .truncated,
                    "\(reader): \(result.error.map { "\($0)" } ?? "no error")")
                #expect(result.error?.location.byteOffset != nil, "\(reader): the error names a byte offset")
                if vector.expect == "payload failure" && reader == "stream" {
                    // What the stream released before failing is exactly the good part (the file reader releases
                    // nothing of a read that fails).
                    #expect(Self.hex(result.plain) == vector.payload, "\(reader): released plaintext")
                } else if vector.expect != "payload failure" {
                    #expect(result.plain.isEmpty, "\(reader): plaintext released before the header was accepted")
                }
            }
        }
    }

    /// The subset is the one the README promises: every X25519 and scrypt success vector, and each failure class.
    @Test func subsetCoversEveryClass() throws {
        let all = try Self.vectors()
        let classes = Set(all.map(\.expect))
        #expect(classes == ["success", "no match", "HMAC failure", "header failure", "payload failure"])
        #expect(all.filter { $0.expect == "success" && !$0.passphrases.isEmpty }.count >= 1)
        #expect(all.filter { $0.expect == "success" && !$0.identities.isEmpty }.count >= 8)
        for prefix in ["hmac_", "stanza_", "stream_", "x25519_", "scrypt_", "header_", "version_"] {
            #expect(all.contains { $0.name.hasPrefix(prefix) && $0.expect != "success" }, "\(prefix)")
        }
    }
}
