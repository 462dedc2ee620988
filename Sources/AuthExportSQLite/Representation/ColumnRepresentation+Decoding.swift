import AuthExport

/// A borrowed view of one stored SQLite value: storage class and bytes, valid only while its bytes are.
package enum StoredValueRef {
    case null
    case integer(Int64)
    case real(Double)
    /// TEXT storage class; the bytes may not be valid UTF-8.
    case text(UnsafeRawBufferPointer)
    case blob(UnsafeRawBufferPointer)
}

/// What a stored value is as a logical value, without copying where the stored bytes are already canonical.
package enum DecodedCell: Equatable {
    case null
    case boolean(Bool)
    case integer(Int64)
    case real(Double)
    /// Canonical UTF-8 text of a text-like type; `inScratch` false means the stored text itself.
    case text(inScratch: Bool)
    /// The stored blob's bytes (a `bytes` or `any` column).
    case bytes
    /// The stored TEXT, not valid UTF-8 (`any` columns only).
    case invalidText
    /// JSON text (not necessarily compact); `inScratch` false means the stored text itself.
    case json(inScratch: Bool)
}

/// The deepest JSON nesting accepted in a json column (the archive's reader limit minus the row and the
/// `{"$":…}` wrapper).
let maxJSONCellDepth = 126

extension ColumnRepresentation {
    /// Reads a stored value as the logical value, writing canonical text into `scratch` where the stored bytes
    /// are not already canonical.
    ///
    /// Returns nil when the value does not fit this representation.
    ///
    /// This is the allocation-free form of ``logicalValue(of:)`` used by the exporter. It does not check that
    /// json text is valid or canonically spaced (see ``jsonRoundTrips(_:compact:)``).
    package func decode(_ stored: StoredValueRef, into scratch: inout [UInt8]) -> DecodedCell? {
        if case .null = stored { return .null }
        switch type {
        case .any:
            switch stored {
            case .null: return .null
            case .integer(let i): return .integer(i)
            case .real(let d): return .real(d)
            case .text(let s): return isValidUTF8(s) ? .text(inScratch: false) : .invalidText
            case .blob: return .bytes
            }
        case .integer:
            if case .integer(let i) = stored { return .integer(i) }
            return nil
        case .real:
            if case .real(let d) = stored { return .real(d) }
            return nil
        case .text:
            if case .text(let s) = stored, isValidUTF8(s) { return .text(inScratch: false) }
            return nil
        case .bytes:
            if case .blob = stored { return .bytes }
            return nil
        case .boolean:
            if case .integer(let i) = stored, i == 0 || i == 1 { return .boolean(i == 1) }
            return nil
        case .uuid:
            return decodeUUID(stored, into: &scratch) ? .text(inScratch: true) : nil
        case .timestamp:
            return decodeTimestamp(stored, into: &scratch) ? .text(inScratch: true) : nil
        case .date:
            guard case .text(let s) = stored else { return nil }
            var civil = CivilDateTime(year: 1, month: 1, day: 1)
            return CivilDateTime.parseDate(s, at: 0, into: &civil) == s.count ? .text(inScratch: false) : nil
        case .time:
            guard case .text(let s) = stored else { return nil }
            var civil = CivilDateTime(year: 1, month: 1, day: 1)
            return CivilDateTime.parseTime(s, at: 0, into: &civil) == s.count ? .text(inScratch: false) : nil
        case .decimal:
            switch (stored, encoding) {
            case (.text(let s), .text): return TextForms.isCanonicalDecimal(s) ? .text(inScratch: false) : nil
            case (.integer(let i), .numericAffinity):
                scratch.append(contentsOf: String(i).utf8)
                return .text(inScratch: true)
            case (.real(let d), .numericAffinity):
                TextForms.appendDecimal(d, to: &scratch)
                return .text(inScratch: true)
            default: return nil
            }
        case .json:
            switch stored {
            case .text: return .json(inScratch: false)
            case .integer(let i):
                // A number in a column whose affinity turned the JSON text into a number.
                guard affinity.convertsNumericText else { return nil }
                scratch.append(contentsOf: String(i).utf8)
                return .json(inScratch: true)
            case .real(let d):
                guard affinity.convertsNumericText, d.isFinite else { return nil }
                scratch.append(contentsOf: d.description.utf8)
                return .json(inScratch: true)
            default: return nil
            }
        }
    }

    private func decodeUUID(_ stored: StoredValueRef, into out: inout [UInt8]) -> Bool {
        switch (stored, encoding) {
        case (.text(let s), .hex32): return TextForms.canonicalUUID(hex32: s, uppercase: false, into: &out)
        case (.text(let s), .hex32Upper): return TextForms.canonicalUUID(hex32: s, uppercase: true, into: &out)
        case (.text(let s), .uuidText): return TextForms.canonicalUUID(dashed: s, uppercase: false, into: &out)
        case (.text(let s), .uuidTextUpper): return TextForms.canonicalUUID(dashed: s, uppercase: true, into: &out)
        case (.blob(let b), .blob16): return TextForms.canonicalUUID(bytes: b, into: &out)
        default: return false
        }
    }

    private func decodeTimestamp(_ stored: StoredValueRef, into out: inout [UInt8]) -> Bool {
        switch (stored, encoding) {
        case (.text(let s), .naiveText), (.text(let s), .naiveISO):
            let separator = encoding == .naiveText ? ASCIIByte.space : ASCIIByte.letterT
            guard let (local, end) = CivilDateTime.parseDateTime(s, separator: separator), end == s.count else {
                return false
            }
            if zone.isUTC {
                // The canonical form is the same text with `T` and a `Z`.
                let start = out.count
                out.append(contentsOf: s)
                out[start + 10] = ASCIIByte.letterT
                out.append(ASCIIByte.letterZ)
                _ = local
                return true
            }
            guard let utc = zone.utc(fromLocal: local.epochSeconds),
                let instant = CivilDateTime.fromEpoch(
                    utc, fraction: local.fraction, fractionDigits: local.fractionDigits)
            else { return false }
            instant.appendDateTime(separator: ASCIIByte.letterT, to: &out)
            out.append(ASCIIByte.letterZ)
            return true
        case (.text(let s), .isoZ):
            guard let (_, end) = CivilDateTime.parseDateTime(s, separator: ASCIIByte.letterT), end == s.count - 1,
                s[end] == ASCIIByte.letterZ
            else { return false }
            out.append(contentsOf: s)
            return true
        case (.text(let s), .isoOffset):
            guard let (local, end) = CivilDateTime.parseDateTime(s, separator: ASCIIByte.letterT),
                CivilDateTime.parseOffset(s, at: end) == offsetSeconds,
                let instant = CivilDateTime.fromEpoch(
                    local.epochSeconds - Int64(offsetSeconds), fraction: local.fraction,
                    fractionDigits: local.fractionDigits)
            else { return false }
            instant.appendDateTime(separator: ASCIIByte.letterT, to: &out)
            out.append(ASCIIByte.letterZ)
            return true
        case (.integer(let seconds), .unixSeconds):
            guard let instant = CivilDateTime.fromEpoch(seconds) else { return false }
            instant.appendDateTime(separator: ASCIIByte.letterT, to: &out)
            out.append(ASCIIByte.letterZ)
            return true
        case (.integer(let millis), .unixMillis):
            let seconds = millis.floorDivided(by: 1000)
            guard
                let instant = CivilDateTime.fromEpoch(
                    seconds, fraction: Int(millis - seconds * 1000), fractionDigits: 3)
            else { return false }
            instant.appendDateTime(separator: ASCIIByte.letterT, to: &out)
            out.append(ASCIIByte.letterZ)
            return true
        default:
            return false
        }
    }

    /// Whether JSON text (`original`, as stored) is reproduced exactly by this representation's JSON
    /// encoding from its compact form `compact`.
    package func jsonRoundTrips(_ original: UnsafeRawBufferPointer, compact: UnsafeRawBufferPointer) -> Bool {
        switch encoding {
        case .jsonPython, .jsonPythonUTF8:
            return TextForms.matchesPythonJSON(compact: compact, original: original, asciiOnly: encoding == .jsonPython)
        default:
            return compact.elementsEqual(original)
        }
    }

    /// Validates JSON text and appends its compact canonical form to `out`; false when it is not valid JSON
    /// or nests deeper than the archive allows.
    package static func appendCompactJSON(_ text: UnsafeRawBufferPointer, to out: inout [UInt8]) -> Bool {
        var scanner = JSONScanner(text, maxDepth: maxJSONCellDepth)
        var buffer = ByteBuffer(capacity: text.count)
        do {
            try scanner.writeCompact(to: &buffer)
            try scanner.expectEnd()
        } catch {
            return false
        }
        out.append(contentsOf: buffer.bytes)
        return true
    }

    // MARK: Value-level API

    /// The logical value of a stored SQLite value, or nil when it does not fit this representation (wrong
    /// storage class, text not in the encoding's form, invalid JSON, a naive time that does not exist in the
    /// zone…).
    ///
    /// Text-like types give ``Value/text(_:)`` with the canonical string; json gives ``Value/json(_:)`` with
    /// compact text (`"null"` for the JSON null, distinct from ``Value/null``).
    package func logicalValue(of stored: SQLiteValue) -> Value? {
        var scratch: [UInt8] = []
        return stored.withRef { ref -> Value? in
            guard let cell = decode(ref, into: &scratch) else { return nil }
            let storedBytes: UnsafeRawBufferPointer
            switch ref {
            case .text(let b), .blob(let b): storedBytes = b
            default: storedBytes = UnsafeRawBufferPointer(start: nil, count: 0)
            }
            switch cell {
            case .null: return .null
            case .boolean(let b): return .boolean(b)
            case .integer(let i): return .integer(i)
            case .real(let d): return .real(d)
            case .text(let inScratch):
                return .text(
                    inScratch ? String(decoding: scratch, as: UTF8.self) : String(decoding: storedBytes, as: UTF8.self))
            case .bytes: return .bytes(Array(storedBytes))
            case .invalidText: return .invalidText(Array(storedBytes))
            case .json(let inScratch):
                var compact: [UInt8] = []
                let ok =
                    inScratch
                    ? scratch.withUnsafeBytes { ColumnRepresentation.appendCompactJSON($0, to: &compact) }
                    : ColumnRepresentation.appendCompactJSON(storedBytes, to: &compact)
                return ok ? .json(String(decoding: compact, as: UTF8.self)) : nil
            }
        }
    }

    /// Whether `stored` fits this representation and is reproduced exactly (value and storage class, bit for
    /// bit) by `storedValue(for: logicalValue(of: stored))`.
    package func roundTrips(_ stored: SQLiteValue) -> Bool {
        guard let value = logicalValue(of: stored), let back = try? storedValue(for: value) else { return false }
        return back.isIdentical(to: stored)
    }
}

extension SQLiteValue {
    /// Calls `body` with a borrowed view of the value.
    package func withRef<R>(_ body: (StoredValueRef) throws -> R) rethrows -> R {
        switch self {
        case .null: return try body(.null)
        case .integer(let i): return try body(.integer(i))
        case .real(let d): return try body(.real(d))
        case .text(let bytes): return try bytes.withUnsafeBytes { try body(.text($0)) }
        case .blob(let bytes): return try bytes.withUnsafeBytes { try body(.blob($0)) }
        }
    }

    /// Equality that tells -0.0 from 0.0 and compares reals by bit pattern.
    package func isIdentical(to other: SQLiteValue) -> Bool {
        switch (self, other) {
        case (.real(let a), .real(let b)): return a.bitPattern == b.bitPattern
        default: return self == other
        }
    }
}
