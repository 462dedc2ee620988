import AuthExport

extension ColumnRepresentation {
    /// The exact SQLite value (and storage class) that stores `value` in this representation.
    ///
    /// The inverse of ``logicalValue(of:)``: uuids are respelled in the encoding's form, timestamps converted
    /// back to the zone or offset and spelled with the value's own fraction digits, json respelled (compact or
    /// Python style) and, in a column whose affinity stores numbers, a JSON number becomes the number SQLite
    /// would store. Binding the result into a column of the same declared type stores it unchanged.
    ///
    /// - Throws: ``RepresentationError`` when the value is not of the column's type or cannot be stored exactly
    ///   in this encoding (a timestamp with sub-millisecond digits in `unix_millis`, a local time that the zone
    ///   skips, a year outside 0001-9999…).
    package func storedValue(for value: Value) throws(RepresentationError) -> SQLiteValue {
        if case .null = value { return .null }
        switch (type, value) {
        case (.any, .integer(let i)), (.integer, .integer(let i)): return .integer(i)
        case (.any, .real(let d)), (.real, .real(let d)): return .real(d)
        case (.real, .integer(let i)): return .real(Double(i))
        case (.any, .text(let s)), (.text, .text(let s)): return .text(Array(s.utf8))
        case (.any, .bytes(let b)), (.bytes, .bytes(let b)): return .blob(b)
        case (.any, .invalidText(let b)): return .text(b)
        case (.boolean, .boolean(let b)): return .integer(b ? 1 : 0)
        case (.uuid, .text(let s)): return try storedUUID(s)
        case (.timestamp, .text(let s)): return try storedTimestamp(s)
        case (.date, .text(let s)):
            try check(s, "a date YYYY-MM-DD") { s in
                var civil = CivilDateTime(year: 1, month: 1, day: 1)
                return CivilDateTime.parseDate(s, at: 0, into: &civil) == s.count
            }
            return .text(Array(s.utf8))
        case (.time, .text(let s)):
            try check(s, "a time HH:MM:SS[.ffffff]") { s in
                var civil = CivilDateTime(year: 1, month: 1, day: 1)
                return CivilDateTime.parseTime(s, at: 0, into: &civil) == s.count
            }
            return .text(Array(s.utf8))
        case (.decimal, .text(let s)): return try storedDecimal(s)
        case (.json, .json(let s)): return try storedJSON(s)
        default:
            throw RepresentationError("expected a value of type \(type.rawValue)")
        }
    }

    private func check(
        _ s: String, _ expected: String, _ test: (UnsafeRawBufferPointer) -> Bool
    ) throws(RepresentationError) {
        var s = s
        guard s.withUTF8({ test(UnsafeRawBufferPointer($0)) }) else {
            throw RepresentationError("expected \(expected)")
        }
    }

    private func storedUUID(_ s: String) throws(RepresentationError) -> SQLiteValue {
        var s = s
        guard let bytes = s.withUTF8({ TextForms.uuidBytes(canonical: UnsafeRawBufferPointer($0)) }) else {
            throw RepresentationError("expected a lowercase canonical uuid")
        }
        switch encoding {
        case .blob16: return .blob(bytes)
        case .hex32, .hex32Upper:
            let upper = encoding == .hex32Upper
            var out: [UInt8] = []
            out.reserveCapacity(32)
            for b in bytes {
                out.append(TextForms.hexDigit(b >> 4, uppercase: upper))
                out.append(TextForms.hexDigit(b & 0xF, uppercase: upper))
            }
            return .text(out)
        case .uuidTextUpper:
            return .text(s.utf8.map { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f") ? $0 & ~0x20 : $0 })
        default:
            return .text(Array(s.utf8))
        }
    }

    private func storedTimestamp(_ s: String) throws(RepresentationError) -> SQLiteValue {
        var s = s
        let parsed = s.withUTF8 { buffer -> CivilDateTime? in
            let bytes = UnsafeRawBufferPointer(buffer)
            guard let (civil, end) = CivilDateTime.parseDateTime(bytes, separator: ASCIIByte.letterT),
                end == bytes.count - 1, bytes[end] == ASCIIByte.letterZ
            else { return nil }
            return civil
        }
        guard let parsed else { throw RepresentationError("expected a timestamp YYYY-MM-DDTHH:MM:SS[.f]Z") }
        let instant = fractionDigits.apply(parsed)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        switch encoding {
        case .naiveText, .naiveISO:
            let separator = encoding == .naiveText ? ASCIIByte.space : ASCIIByte.letterT
            if zone.isUTC {
                instant.appendDateTime(separator: separator, to: &out)
            } else {
                let utc = instant.epochSeconds
                guard
                    let local = CivilDateTime.fromEpoch(
                        utc + Int64(zone.offset(atUTC: utc)), fraction: instant.fraction,
                        fractionDigits: instant.fractionDigits)
                else { throw RepresentationError("the local time in \(zone.name) is outside years 0001-9999") }
                // An instant in the second occurrence of a repeated hour spells the same text as the first.
                local.appendDateTime(separator: separator, to: &out)
            }
            return .text(out)
        case .isoOffset:
            guard
                let local = CivilDateTime.fromEpoch(
                    instant.epochSeconds + Int64(offsetSeconds), fraction: instant.fraction,
                    fractionDigits: instant.fractionDigits)
            else { throw RepresentationError("the time at the column's offset is outside years 0001-9999") }
            local.appendDateTime(separator: ASCIIByte.letterT, to: &out)
            CivilDateTime.appendOffset(offsetSeconds, to: &out)
            return .text(out)
        case .unixSeconds:
            guard instant.fraction == 0 else {
                throw RepresentationError("unix_seconds cannot store a fraction of a second")
            }
            return .integer(instant.epochSeconds)
        case .unixMillis:
            var millis = instant.fraction
            var digits = instant.fractionDigits
            while digits > 3 {
                guard millis % 10 == 0 else {
                    throw RepresentationError("unix_millis cannot store digits below the millisecond")
                }
                millis /= 10
                digits -= 1
            }
            while digits < 3 {
                millis *= 10
                digits += 1
            }
            return .integer(instant.epochSeconds * 1000 + Int64(millis))
        default:  // iso_z
            guard fractionDigits != .asArchived else { return .text(Array(s.utf8)) }
            instant.appendDateTime(separator: ASCIIByte.letterT, to: &out)
            out.append(ASCIIByte.letterZ)
            return .text(out)
        }
    }

    private func storedDecimal(_ s: String) throws(RepresentationError) -> SQLiteValue {
        var s = s
        let canonical = s.withUTF8 { TextForms.isCanonicalDecimal(UnsafeRawBufferPointer($0)) }
        let special = s == "NaN" || s == "Infinity" || s == "-Infinity"
        guard canonical || special else { throw RepresentationError("expected a decimal -?digits[.digits]") }
        guard encoding == .numericAffinity else { return .text(Array(s.utf8)) }
        switch s {
        case "Infinity": return .real(.infinity)
        case "-Infinity": return .real(-.infinity)
        case "NaN": throw RepresentationError("SQLite cannot store NaN (it becomes NULL)")
        default:
            guard let number = s.withUTF8({ SQLiteAffinity.numeric.storedNumber(UnsafeRawBufferPointer($0)) }) else {
                throw RepresentationError("expected a decimal -?digits[.digits]")
            }
            return number
        }
    }

    private func storedJSON(_ s: String) throws(RepresentationError) -> SQLiteValue {
        var s = s
        var compact: [UInt8] = []
        guard s.withUTF8({ ColumnRepresentation.appendCompactJSON(UnsafeRawBufferPointer($0), to: &compact) }) else {
            throw RepresentationError("expected JSON text")
        }
        if let first = compact.first, first == ASCIIByte.dash || ASCIIByte.isDigit(first),
            let number = compact.withUnsafeBytes({ affinity.storedNumber($0) })
        {
            return number
        }
        if encoding == .jsonPython || encoding == .jsonPythonUTF8 {
            var spelled: [UInt8] = []
            spelled.reserveCapacity(compact.count + compact.count / 4)
            let ascii = encoding == .jsonPython
            compact.withUnsafeBytes { TextForms.appendPythonJSON(compact: $0, asciiOnly: ascii, to: &spelled) }
            return .text(spelled)
        }
        return .text(compact)
    }
}
