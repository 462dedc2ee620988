/// Spells cells of each logical type, and reads them back. Spec: spec/FORMAT.md#cells
package enum CellCodec {
    /// Why a cell does not fit its column.
    package enum Failure: Error {
        /// A null in a column that is not nullable.
        case null
        /// The value does not conform to the logical type; the message says what was expected.
        case mismatch(String)
        /// The JSON itself is malformed.
        case json(JSONScanner.Failure)
    }

    // MARK: Writing

    /// Appends `value` as a cell of `column`.
    package static func encode(_ value: Value, _ column: Column, into out: inout ByteBuffer) throws(Failure) {
        try encode(value, type: column.type, nullable: column.nullable, into: &out)
    }

    /// Appends `value` as a cell of a column of `type`.
    package static func encode(_ value: Value, type: LogicalType, nullable: Bool, into out: inout ByteBuffer)
        throws(Failure)
    {
        switch (value, type) {
        case (.null, _):
            guard nullable else { throw .null }
            out.append(ascii: "null")
        case (.boolean(let b), .boolean):
            out.append(ascii: b ? "true" : "false")
        case (.integer(let i), .integer):
            out.append(integer: i)
        case (.real(let d), .real):
            out.append(double: d)
        case (.integer(let i), .real):
            out.append(double: Double(i))
        case (.text(let s), _) where type != .any && type != .json && type != .bytes:
            var s = s
            let result = s.withUTF8 { buffer in
                Result { () throws(Failure) in try encodeText(UnsafeRawBufferPointer(buffer), type, into: &out) }
            }
            try result.get()
        case (.bytes(let bytes), .bytes):
            bytes.withUnsafeBytes { out.append(base64: $0) }
        case (.json(let text), .json):
            var text = text
            let result = text.withUTF8 { buffer in
                Result { () throws(Failure) in try encodeJSON(UnsafeRawBufferPointer(buffer), into: &out) }
            }
            try result.get()
        case (_, .any):
            try encodeAny(value, into: &out)
        default:
            throw .mismatch("expected a value of type \(type.rawValue), got \(value.caseName)")
        }
    }

    /// Appends UTF-8 text as a cell of a text-like column (text, decimal, uuid, timestamp, date, time).
    package static func encodeText(_ utf8: UnsafeRawBufferPointer, _ type: LogicalType, into out: inout ByteBuffer)
        throws(Failure)
    {
        try checkText(utf8, type)
        out.append(jsonStringUTF8: utf8)
    }

    /// Checks UTF-8 text as a cell of a text-like column: what ``encodeText(_:_:into:)`` checks before writing it.
    package static func checkText(_ utf8: UnsafeRawBufferPointer, _ type: LogicalType) throws(Failure) {
        let valid: Bool
        switch type {
        case .text: valid = isValidUTF8(utf8)
        case .decimal: valid = CanonicalForms.isDecimal(utf8)
        case .uuid: valid = CanonicalForms.isUUID(utf8)
        case .timestamp: valid = CanonicalForms.isTimestamp(utf8)
        case .date: valid = CanonicalForms.isDate(utf8)
        case .time: valid = CanonicalForms.isTime(utf8)
        default: throw .mismatch("a string is not a value of type \(type.rawValue)")
        }
        guard valid else { throw .mismatch(expectation(for: type)) }
    }

    /// Appends JSON text as a json cell: validated, compacted, wrapped when it is `null` or a one-key `{"$":…}`.
    package static func encodeJSON(_ text: UnsafeRawBufferPointer, into out: inout ByteBuffer) throws(Failure) {
        var scanner = JSONScanner(text, maxDepth: ReaderLimits.defaultMaxDepth - 1)
        var compact = ByteBuffer(capacity: text.count)
        do {
            try scanner.writeCompact(to: &compact)
            try scanner.expectEnd()
        } catch {
            throw .json(error)
        }
        if compact.bytes.withUnsafeBytes({ needsWrapper($0) }) {
            out.append(ascii: "{\"$\":")
            out.append(contentsOf: compact.bytes)
            out.append(UInt8(ascii: "}"))
        } else {
            out.append(contentsOf: compact.bytes)
        }
    }

    /// Whether compact JSON is `null` or an object whose only key is `"$"`.
    static func needsWrapper(_ compact: UnsafeRawBufferPointer) -> Bool {
        if compact.count == 4 && compact[0] == UInt8(ascii: "n") { return true }
        guard compact.count > 5, compact[0] == UInt8(ascii: "{"), compact[1] == UInt8(ascii: "\""),
            compact[2] == UInt8(ascii: "$"), compact[3] == UInt8(ascii: "\""), compact[4] == UInt8(ascii: ":")
        else { return false }
        var scanner = JSONScanner(compact, maxDepth: Int.max)
        scanner.position = 5
        guard (try? scanner.scanValue()) != nil else { return false }
        return scanner.position == compact.count - 1
    }

    /// Appends a tagged cell of an `any` column.
    package static func encodeAny(_ value: Value, into out: inout ByteBuffer) throws(Failure) {
        switch value {
        case .null:
            out.append(ascii: "null")
        case .integer(let i):
            out.append(ascii: "[\"integer\",")
            out.append(integer: i)
            out.append(UInt8(ascii: "]"))
        case .real(let d):
            out.append(ascii: "[\"real\",")
            out.append(double: d)
            out.append(UInt8(ascii: "]"))
        case .text(let s):
            out.append(ascii: "[\"text\",")
            out.append(jsonString: s)
            out.append(UInt8(ascii: "]"))
        case .bytes(let b):
            out.append(ascii: "[\"bytes\",")
            b.withUnsafeBytes { out.append(base64: $0) }
            out.append(UInt8(ascii: "]"))
        case .invalidText(let b):
            out.append(ascii: "[\"text_bytes\",")
            b.withUnsafeBytes { out.append(base64: $0) }
            out.append(UInt8(ascii: "]"))
        case .boolean, .json:
            throw .mismatch("an any column holds integer, real, text or bytes values, got \(value.caseName)")
        }
    }

    static func expectation(for type: LogicalType) -> String {
        switch type {
        case .boolean: return "expected true or false"
        case .integer: return "expected an integer in the signed 64-bit range"
        case .real: return "expected a number or \"NaN\", \"Infinity\", \"-Infinity\""
        case .decimal: return "expected a decimal string like \"-12.50\""
        case .text: return "expected a string of valid UTF-8"
        case .bytes: return "expected a standard base64 string with padding"
        case .uuid: return "expected a lowercase canonical uuid string (8-4-4-4-12 hex digits)"
        case .json: return "expected a JSON value"
        case .timestamp: return "expected an RFC 3339 UTC timestamp string YYYY-MM-DDTHH:MM:SS[.ffffff]Z"
        case .date: return "expected a date string YYYY-MM-DD"
        case .time: return "expected a time string HH:MM:SS[.ffffff]"
        case .any: return "expected null or a [tag, value] pair with tag integer, real, text, bytes or text_bytes"
        }
    }

    // MARK: Reading

    /// Reads the cell at the scanner's position as a value of `column`.
    ///
    /// With `materialize == false` it only validates and returns `.null`.
    package static func decode(_ scanner: inout JSONScanner, _ column: Column, materialize: Bool) throws(Failure) -> Value {
        try decode(&scanner, type: column.type, nullable: column.nullable, materialize: materialize)
    }

    /// Reads the cell at the scanner's position as a value of `type`.
    ///
    /// With `materialize == false` it only validates and returns `.null`.
    @inline(__always)
    package static func decode(_ scanner: inout JSONScanner, type: LogicalType, nullable: Bool, materialize: Bool)
        throws(Failure) -> Value
    {
        var scratch = ByteBuffer()
        var value = Value.null
        let failure: Failure?
        do {
            failure = try withCell(&scanner, type: type, nullable: nullable, scratch: &scratch, viewed: materialize) {
                value = $0.value
            }
        } catch {
            failure = .mismatch(error.message)  // the body above throws nothing
        }
        if let failure { throw failure }
        return value
    }

    /// Reads and validates the cell at the scanner's position as a value of `type`, and hands a view of it to
    /// `body`.
    ///
    /// The view's buffers point into the scanned line or into `scratch` (a string with escapes, decoded base64,
    /// compacted JSON); they are valid only during the call. With `viewed == false` the cell is only validated
    /// and `body` gets `.null` (nothing is decoded into `scratch`).
    ///
    /// - Returns: why the cell does not fit its column (and `body` was not called), or nil.
    /// - Throws: only what `body` throws.
    @inline(__always)
    package static func withCell(
        _ scanner: inout JSONScanner, type: LogicalType, nullable: Bool, scratch: inout ByteBuffer, viewed: Bool = true,
        _ body: (CellView) throws(ArchiveError) -> Void
    ) throws(ArchiveError) -> Failure? {
        let cell: ScannedCell
        do {
            cell = try scan(&scanner, type: type, nullable: nullable, scratch: &scratch, viewed: viewed)
        } catch {
            return error
        }
        switch cell {
        case .view(let view):
            try body(view)
        case .inScratch(let kind):
            let result = scratch.bytes.withUnsafeBytes { buffer in
                Result { () throws(ArchiveError) in
                    switch kind {
                    case .text: try body(.text(buffer))
                    case .bytes: try body(.bytes(buffer))
                    case .json: try body(.json(buffer))
                    case .invalidText: try body(.invalidText(buffer))
                    }
                }
            }
            try result.get()
        }
        return nil
    }

    /// A scanned cell: a view into the line, or a kind of cell whose bytes are the whole scratch buffer.
    private enum ScannedCell {
        case view(CellView)
        case inScratch(ScratchKind)
    }

    private enum ScratchKind {
        case text, bytes, json, invalidText
    }

    @inline(__always)
    private static func scan(
        _ scanner: inout JSONScanner, type: LogicalType, nullable: Bool, scratch: inout ByteBuffer, viewed: Bool
    ) throws(Failure) -> ScannedCell {
        let token: JSONScanner.Token
        do { token = try scanner.scanValue() } catch { throw .json(error) }
        if token.kind == .null {
            guard nullable else { throw .null }
            return .view(.null)
        }
        switch type {
        case .boolean:
            switch token.kind {
            case .true: return .view(.boolean(true))
            case .false: return .view(.boolean(false))
            default: throw .mismatch(expectation(for: .boolean))
            }
        case .integer:
            guard let i = scanner.int64(token) else { throw .mismatch(expectation(for: .integer)) }
            return .view(.integer(i))
        case .real:
            return .view(try decodeReal(scanner, token))
        case .text:
            guard case .string(let hasEscapes) = token.kind else { throw .mismatch(expectation(for: .text)) }
            guard viewed else { return .view(.null) }
            return try textCell(scanner, token, hasEscapes: hasEscapes, scratch: &scratch)
        case .decimal, .uuid, .timestamp, .date, .time:
            guard case .string(false) = token.kind else { throw .mismatch(expectation(for: type)) }
            let raw = scanner.raw(token)
            let valid: Bool
            switch type {
            case .decimal: valid = CanonicalForms.isDecimal(raw)
            case .uuid: valid = CanonicalForms.isUUID(raw)
            case .timestamp: valid = CanonicalForms.isTimestamp(raw)
            case .date: valid = CanonicalForms.isDate(raw)
            default: valid = CanonicalForms.isTime(raw)
            }
            guard valid else { throw .mismatch(expectation(for: type)) }
            return .view(viewed ? .text(raw) : .null)
        case .bytes:
            try decodeBase64(scanner, token, viewed: viewed, type: .bytes, into: &scratch)
            return viewed ? .inScratch(.bytes) : .view(.null)
        case .json:
            try decodeJSON(scanner, token, viewed: viewed, into: &scratch)
            return viewed ? .inScratch(.json) : .view(.null)
        case .any:
            return try decodeAny(&scanner, token, viewed: viewed, scratch: &scratch)
        }
    }

    /// A string cell: a view of the line when it has no escapes, else unescaped into the scratch buffer.
    @inline(__always)
    private static func textCell(
        _ scanner: JSONScanner, _ token: JSONScanner.Token, hasEscapes: Bool, scratch: inout ByteBuffer
    ) throws(Failure) -> ScannedCell {
        guard hasEscapes else { return .view(.text(scanner.raw(token))) }
        scratch.bytes.removeAll(keepingCapacity: true)
        scanner.appendUnescaped(token, to: &scratch.bytes)
        return .inScratch(.text)
    }

    private static func decodeReal(_ scanner: JSONScanner, _ token: JSONScanner.Token) throws(Failure) -> CellView {
        switch token.kind {
        case .number:
            guard let d = scanner.double(token), d.isFinite else { throw .mismatch(expectation(for: .real)) }
            return .real(d)
        case .string:
            if scanner.stringEquals(token, "NaN") { return .real(.nan) }
            if scanner.stringEquals(token, "Infinity") { return .real(.infinity) }
            if scanner.stringEquals(token, "-Infinity") { return .real(-.infinity) }
            throw .mismatch(expectation(for: .real))
        default:
            throw .mismatch(expectation(for: .real))
        }
    }

    /// Checks a base64 string and, when `viewed`, decodes it into `scratch`.
    private static func decodeBase64(
        _ scanner: JSONScanner, _ token: JSONScanner.Token, viewed: Bool, type: LogicalType, into scratch: inout ByteBuffer
    ) throws(Failure) {
        guard case .string(false) = token.kind else { throw .mismatch(expectation(for: .bytes)) }
        if viewed {
            scratch.bytes.removeAll(keepingCapacity: true)
            guard Base64.decode(scanner.raw(token), into: &scratch.bytes) else { throw .mismatch(expectation(for: .bytes)) }
        } else {
            guard Base64.decode(scanner.raw(token), into: nil) else { throw .mismatch(expectation(for: .bytes)) }
        }
    }

    /// Checks a json cell and, when `viewed`, writes its compact text (without the wrapper) into `scratch`.
    private static func decodeJSON(
        _ scanner: JSONScanner, _ token: JSONScanner.Token, viewed: Bool, into scratch: inout ByteBuffer
    ) throws(Failure) {
        var inner = JSONScanner(scanner.fullRaw(token), maxDepth: scanner.maxDepth)
        if token.kind == .object {
            // A one-key {"$": v} object is a wrapper: its value is v.
            var probe = inner
            probe.position = 1
            probe.skipWhitespace()
            if probe.peek() == UInt8(ascii: "\""), let key = try? probe.scanString(), probe.stringEquals(key, "$"),
                (try? probe.expect(UInt8(ascii: ":"), "':'")) != nil
            {
                let valueStart = probe.position
                if (try? probe.scanValue()) != nil, probe.consume(UInt8(ascii: "}")), probe.isAtEnd {
                    inner.position = valueStart
                }
            }
        }
        guard viewed else { return }
        scratch.bytes.removeAll(keepingCapacity: true)
        do { try inner.writeCompact(to: &scratch) } catch { throw .json(error) }
    }

    private static func decodeAny(
        _ scanner: inout JSONScanner, _ token: JSONScanner.Token, viewed: Bool, scratch: inout ByteBuffer
    ) throws(Failure) -> ScannedCell {
        guard token.kind == .array else { throw .mismatch(expectation(for: .any)) }
        var inner = JSONScanner(scanner.raw(token), maxDepth: 2)
        inner.position = 1
        guard let tag = try? inner.scanValue(), case .string(false) = tag.kind, inner.consume(UInt8(ascii: ",")),
            let value = try? inner.scanValue(), inner.consume(UInt8(ascii: "]")), inner.isAtEnd
        else { throw .mismatch(expectation(for: .any)) }
        if inner.stringEquals(tag, "integer") {
            guard let i = inner.int64(value) else { throw .mismatch("expected an integer after the \"integer\" tag") }
            return .view(.integer(i))
        } else if inner.stringEquals(tag, "real") {
            do { return .view(try decodeReal(inner, value)) } catch {
                throw .mismatch("expected a real after the \"real\" tag")
            }
        } else if inner.stringEquals(tag, "text") {
            guard case .string(let hasEscapes) = value.kind else {
                throw .mismatch("expected a string after the \"text\" tag")
            }
            guard viewed else { return .view(.null) }
            return try textCell(inner, value, hasEscapes: hasEscapes, scratch: &scratch)
        } else if inner.stringEquals(tag, "bytes") {
            try decodeBase64(inner, value, viewed: viewed, type: .any, into: &scratch)
            return viewed ? .inScratch(.bytes) : .view(.null)
        } else if inner.stringEquals(tag, "text_bytes") {
            try decodeBase64(inner, value, viewed: viewed, type: .any, into: &scratch)
            return viewed ? .inScratch(.invalidText) : .view(.null)
        }
        throw .mismatch(expectation(for: .any))
    }
}

extension Value {
    /// The case name, for messages (never the value itself).
    package var caseName: String {
        switch self {
        case .null: return "null"
        case .boolean: return "boolean"
        case .integer: return "integer"
        case .real: return "real"
        case .text: return "text"
        case .bytes: return "bytes"
        case .json: return "json"
        case .invalidText: return "invalid text"
        }
    }
}

/// Default reader limits. Spec: spec/FORMAT.md#limits
package enum ReaderLimits {
    package static let defaultMaxLineBytes = 64 << 20
    package static let defaultMaxDepth = 128
    /// Writers close a member once its decompressed size reaches this.
    package static let memberTarget = 1 << 20
}
