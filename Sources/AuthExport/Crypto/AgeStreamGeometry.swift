/// What the file and stream decryptors share: reading the header, describing it, opening a chunk with a precise error.
enum AgeStreamGeometry {
    /// Reads and parses the header through `read(offset, count)`, which returns fewer bytes only at the end.
    static func readHeader(path: String, _ read: (Int64, Int) throws -> [UInt8]) throws -> AgeHeader {
        var count = 4096
        while true {
            let bytes = try read(0, count)
            let parsed: AgeHeader?
            do { parsed = try AgeHeader.parse(bytes) } catch {
                throw ArchiveError(.badEncryption, "age header: \(error.message)", location: .init(path: path, byteOffset: Int64(error.offset)))
            }
            if let parsed { return parsed }
            guard bytes.count == count, count < AgeHeader.maxLength else {
                throw ArchiveError(
                    bytes.count < count ? .truncated : .badEncryption,
                    bytes.count < count ? "file ends inside the age header (truncated)" : "age header too large",
                    location: .init(path: path, byteOffset: Int64(bytes.count)))
            }
            count *= 4
        }
    }

    /// `age, 2 recipients (X25519)`.
    static func describe(_ header: AgeHeader) -> String {
        let types = Set(header.stanzas.map(\.type)).sorted().joined(separator: ", ")
        if header.stanzas.count == 1 && header.stanzas[0].type == "scrypt" { return "age, passphrase (scrypt)" }
        return "age, \(header.stanzas.count) recipient\(header.stanzas.count == 1 ? "" : "s") (\(types))"
    }

    /// Opens chunk `index`; a failure says whether the file was cut at a chunk boundary, extended, or modified.
    static func open(
        _ payload: AgePayload, _ sealed: UnsafeRawBufferPointer, index: Int64, last: Bool, fileOffset: Int64, path: String
    ) throws -> [UInt8] {
        if let plain = payload.open(sealed, index: index, last: last) { return plain }
        let location = ArchiveError.Location(path: path, byteOffset: fileOffset)
        if payload.open(sealed, index: index, last: !last) != nil {
            if last {
                throw ArchiveError(
                    .truncated,
                    "age payload ends after chunk \(index), which is not marked final (the file was cut at a chunk boundary, or never finished)",
                    location: .init(path: path, byteOffset: fileOffset + Int64(sealed.count)))
            }
            throw ArchiveError(.badEncryption, "age chunk \(index) is marked final but more data follows (bytes appended?)", location: location)
        }
        throw ArchiveError(
            .badEncryption,
            "age chunk \(index) (file bytes \(fileOffset)-\(fileOffset + Int64(sealed.count) - 1)) does not authenticate: the file was modified or damaged",
            location: location)
    }
}
