/// The textual header of an age v1 file: recipient stanzas wrapping the file key, and the header MAC.
///
/// Spec: C2SP age.md, "Header" (https://c2sp.org/age)
package struct AgeHeader: Sendable {
    /// One recipient stanza: `-> arg arg…` and a base64 body.
    package struct Stanza: Sendable, Equatable {
        package var arguments: [String]
        package var body: [UInt8]
        /// Where the stanza starts in the file.
        package var offset: Int = 0
        package var type: String { arguments.first ?? "" }
    }

    /// The version line every v1 file starts with.
    package static let magic = Array("age-encryption.org/v1\n".utf8)
    /// The first line of the ASCII-armored form (not read by authx).
    package static let armorMagic = Array("-----BEGIN AGE ENCRYPTED FILE-----".utf8)
    /// The largest header accepted (many recipients fit; a hostile file cannot make us read more).
    package static let maxLength = 1 << 20

    package var stanzas: [Stanza]
    /// The MAC as written after `--- `.
    package var mac: [UInt8]
    /// The header bytes up to and including `---` (what the MAC covers).
    package var macInput: [UInt8]
    /// The header's length in bytes, including the MAC line.
    package var length: Int

    /// A problem in the header, with the byte offset where it is.
    package struct Failure: Error, Sendable {
        package var message: String
        package var offset: Int
    }

    /// Whether `prefix` (the first bytes of a file) starts like an age file (binary or armored).
    package static func looksLikeAge(_ prefix: some Collection<UInt8>) -> Bool {
        prefix.starts(with: Array("age-encryption.org/".utf8)) || prefix.starts(with: armorMagic)
    }

    /// Parses a header from the first bytes of a file; nil when `bytes` ends before the header does.
    package static func parse(_ bytes: [UInt8]) throws(Failure) -> AgeHeader? {
        if bytes.starts(with: armorMagic) {
            throw Failure(
                message: "ASCII-armored age file (age -a): not supported; decrypt it with age -d, or encrypt without -a",
                offset: 0)
        }
        guard bytes.count >= magic.count else {
            if magic.starts(with: bytes) { return nil }
            throw Failure(message: "not an age v1 file", offset: 0)
        }
        guard bytes.starts(with: magic) else {
            throw Failure(message: "unsupported age format version (this authx reads age-encryption.org/v1)", offset: 0)
        }
        var position = magic.count
        var stanzas: [Stanza] = []
        /// The next line without its newline; nil when the bytes end first.
        func nextLine() throws(Failure) -> ArraySlice<UInt8>? {
            guard let newline = bytes[position...].firstIndex(of: 0x0A) else {
                if bytes.count - position > 64 * 1024 + 64 {
                    throw Failure(message: "header line too long", offset: position)
                }
                return nil
            }
            let line = bytes[position..<newline]
            position = newline + 1
            return line
        }
        while true {
            let lineStart = position
            guard let line = try nextLine() else { return nil }
            if line.starts(with: Array("---".utf8)) {
                guard stanzas.count > 0 else { throw Failure(message: "header has no recipient stanza", offset: lineStart) }
                let rest = line.dropFirst(3)
                guard rest.first == UInt8(ascii: " "), rest.count == 44,
                    let mac = Base64Raw.decode(rest.dropFirst()), mac.count == 32
                else { throw Failure(message: "malformed header MAC line", offset: lineStart) }
                return AgeHeader(
                    stanzas: stanzas, mac: mac, macInput: Array(bytes[0..<(lineStart + 3)]), length: position)
            }
            guard line.starts(with: Array("-> ".utf8)) else {
                throw Failure(message: "malformed header: expected a recipient stanza (->) or the MAC (---)", offset: lineStart)
            }
            let arguments = line.dropFirst(3).split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            guard !arguments.isEmpty,
                arguments.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 >= 33 && $0 <= 126 } })
            else { throw Failure(message: "malformed recipient stanza arguments", offset: lineStart) }
            var body: [UInt8] = []
            while true {
                let bodyStart = position
                guard let bodyLine = try nextLine() else { return nil }
                guard bodyLine.count <= 64, let decoded = Base64Raw.decode(bodyLine),
                    bodyLine.count == 64 || Base64Raw.encode(decoded).count == bodyLine.count
                else { throw Failure(message: "malformed recipient stanza body", offset: bodyStart) }
                body.append(contentsOf: bodyLine)
                if bodyLine.count < 64 { break }
            }
            guard let decodedBody = Base64Raw.decode(body) else {
                throw Failure(message: "malformed recipient stanza body", offset: lineStart)
            }
            stanzas.append(Stanza(arguments: arguments.map { String(decoding: $0, as: UTF8.self) }, body: decodedBody, offset: lineStart))
            guard position <= maxLength else { throw Failure(message: "header too large", offset: position) }
        }
    }

    /// The header text for `stanzas`, without the MAC: everything the MAC covers.
    package static func encodeWithoutMAC(_ stanzas: [Stanza]) -> [UInt8] {
        var out = magic
        for stanza in stanzas {
            out += Array("-> ".utf8) + Array(stanza.arguments.joined(separator: " ").utf8) + [0x0A]
            let body = Base64Raw.encode(stanza.body)
            var start = 0
            repeat {
                let end = min(start + 64, body.count)
                out += body[start..<end] + [0x0A]
                start += 64
            } while start <= body.count && !(start == body.count && body.count % 64 != 0)
        }
        return out + Array("---".utf8)
    }
}
