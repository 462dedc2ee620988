/// Turns archive names into PostgreSQL identifiers: unchanged when they fit in 63 bytes, otherwise a
/// deterministic, reported rename; and refuses names that would collide.
///
/// A name longer than PostgreSQL's 63-byte limit (`NAMEDATALEN - 1`) becomes its first bytes (cut on a character
/// boundary) + `_` + 8 hex digits of the FNV-1a hash of the whole name, 63 bytes at most. The same name always
/// gets the same rename, whatever else the archive contains.
enum IdentifierMap {
    /// PostgreSQL's identifier limit in bytes.
    static let maxBytes = 63

    /// The PostgreSQL name for `name`.
    ///
    /// - Throws: `PostgresError` `.invalidIdentifier` for an empty name, `.unsupportedValue` for one containing NUL.
    static func pgName(_ name: String, kind: String) throws(PostgresError) -> String {
        guard !name.isEmpty else {
            throw PostgresError(.invalidIdentifier, "\(kind) has an empty name, which PostgreSQL does not allow")
        }
        guard !name.utf8.contains(0) else {
            // Valid in an archive, impossible in the target: unsupported_value, as the SQLite restore reports it.
            throw PostgresError(.unsupportedValue, "\(kind) name contains a NUL character, which PostgreSQL does not allow")
        }
        if name.utf8.count <= maxBytes { return name }
        return shortened(name)
    }

    /// The shortened form of a name longer than 63 bytes.
    static func shortened(_ name: String) -> String {
        let suffix = "_" + hex32(fnv1a(Array(name.utf8)))
        let budget = maxBytes - suffix.utf8.count
        var prefix = ""
        var used = 0
        for scalar in name.unicodeScalars {
            let size = String(scalar).utf8.count
            if used + size > budget { break }
            prefix.unicodeScalars.append(scalar)
            used += size
        }
        return prefix + suffix
    }

    /// FNV-1a, 64-bit, folded to 32 bits.
    static func fnv1a(_ bytes: [UInt8]) -> UInt32 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return UInt32(truncatingIfNeeded: hash ^ (hash >> 32))
    }

    static func hex32(_ value: UInt32) -> String {
        let digits = Array("0123456789abcdef")
        var out = ""
        for shift in stride(from: 28, through: 0, by: -4) { out.append(digits[Int((value >> UInt32(shift)) & 0xF)]) }
        return out
    }
}

/// Names already taken in one PostgreSQL namespace (the relations of a schema, or the columns of a table), to
/// refuse a collision instead of letting one object silently shadow another.
struct NameSpace {
    private var owners: [String: String] = [:]
    let what: String

    init(_ what: String) { self.what = what }

    /// Claims `pgName` for `owner` (a description such as `table "users"`).
    ///
    /// - Throws: `PostgresError` `.invalidIdentifier` when another object already has that PostgreSQL name.
    mutating func claim(_ pgName: String, by owner: String) throws(PostgresError) {
        if let other = owners[pgName], other != owner {
            throw PostgresError(
                .invalidIdentifier,
                "\(owner) and \(other) would both be named \"\(pgName)\" in PostgreSQL (\(what))",
                hint: "rename one of them in the source, or restore them separately with --table/--exclude-table")
        }
        owners[pgName] = owner
    }

    func contains(_ pgName: String) -> Bool { owners[pgName] != nil }
}
