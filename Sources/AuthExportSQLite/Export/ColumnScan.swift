import AuthExport

/// What one pass over a column's stored values shows: storage classes, ranges, and which narrower
/// representations reproduce every value exactly so far.
struct ColumnScan {
    /// A representation still being tested against the values.
    struct Candidate {
        var representation: ColumnRepresentation
        var alive = true
        /// The scan ordinal of the first value that did not fit.
        var firstFailure: Int64?
    }

    let column: SourceColumn
    let hints: TypeHints
    let zone: String?

    var nulls: Int64 = 0
    var integers: Int64 = 0
    var reals: Int64 = 0
    var texts: Int64 = 0
    var blobs: Int64 = 0
    var invalidUTF8: Int64 = 0
    var minInteger = Int64.max
    var maxInteger = Int64.min
    var allBooleanIntegers = true
    var allBlobs16 = true
    /// Every hex32 text is an RFC 4122/9562 uuid (version 1-8, variant 10xx): not a random hash.
    var allRFCShaped = true
    /// Whether every REAL reproduces exactly as a decimal / as a JSON number.
    var realsFitDecimal = true
    var realsFitJSON = true
    /// Ordinals of the first numbers seen (for reports), and of the first value of each other class.
    var firstNumberOrdinals: [Int64] = []
    /// First ordinals of notable events (see `noteFirst`).
    var firstOrdinalByClass: [Int32: Int64] = [:]

    /// Text representations under test (uuid, timestamp, date, time); created at the first text value.
    var textCandidates: [Candidate] = []
    /// JSON representations under test (compact, Python style).
    var jsonCandidates: [Candidate] = []
    private var textCandidatesCreated = false
    /// Candidates that died, kept for reports and overrides.
    var deadCandidates: [Candidate] = []
    /// A text value does not exist in the assumed zone (a daylight-saving gap), for the report.
    var firstZoneGap: Int64?
    /// Set when the last observed value recorded a failure (the caller then records the row key).
    var recordedFailure = false

    /// The type a `--type` override forces, so its representations are tested whatever the hints say.
    let forcedType: LogicalType?

    init(column: SourceColumn, zone: String?, forcedType: LogicalType? = nil) {
        self.column = column
        self.hints = TypeHints(column: column)
        self.zone = zone
        self.forcedType = forcedType
    }

    // MARK: Observing values

    mutating func observeNull() { nulls += 1 }

    mutating func observeInteger(_ value: Int64, ordinal: Int64) {
        integers += 1
        if value < minInteger { minInteger = value }
        if value > maxInteger { maxInteger = value }
        if value != 0 && value != 1 {
            if allBooleanIntegers { noteFirst(5, ordinal) }
            allBooleanIntegers = false
        }
        noteFirst(1, ordinal)
        noteNumber(ordinal)
    }

    mutating func observeReal(_ value: Double, ordinal: Int64) {
        reals += 1
        if realsFitDecimal || realsFitJSON {
            // A REAL reproduces through NUMERIC affinity unless it is integral within int64 (SQLite would have
            // stored an INTEGER) or NaN.
            let fits = !value.isNaN && SQLiteAffinity.exactInteger(value) == nil
            if !fits { realsFitDecimal = false }
            if !fits || !value.isFinite { realsFitJSON = false }
            if !fits { noteFirst(6, ordinal) }
        }
        noteFirst(2, ordinal)
        noteNumber(ordinal)
    }

    /// Remembers the first ordinal of an event: 1 INTEGER, 2 REAL, 3 TEXT, 4 BLOB, 5 an integer other than 0/1,
    /// 6 a REAL no decimal reproduces, 7 a blob not 16 bytes long, 8 text that is not UTF-8.
    private mutating func noteFirst(_ event: Int32, _ ordinal: Int64) {
        if firstOrdinalByClass[event] == nil {
            firstOrdinalByClass[event] = ordinal
            recordedFailure = true
        }
    }

    private mutating func noteNumber(_ ordinal: Int64) {
        if firstNumberOrdinals.count < 10 {
            firstNumberOrdinals.append(ordinal)
            recordedFailure = true
        }
    }

    mutating func observeBlob(_ bytes: UnsafeRawBufferPointer, ordinal: Int64) {
        blobs += 1
        if bytes.count != 16 {
            if allBlobs16 { noteFirst(7, ordinal) }
            allBlobs16 = false
        }
        noteFirst(4, ordinal)
    }

    mutating func observeText(_ bytes: UnsafeRawBufferPointer, ordinal: Int64, scratch: inout [UInt8]) {
        texts += 1
        noteFirst(3, ordinal)
        guard isValidUTF8(bytes) else {
            invalidUTF8 += 1
            noteFirst(8, ordinal)
            killAll(ordinal)
            return
        }
        if !textCandidatesCreated { createTextCandidates(first: bytes) }
        if !textCandidates.isEmpty {
            var anyDied = false
            for i in textCandidates.indices {
                scratch.removeAll(keepingCapacity: true)
                if textCandidates[i].representation.decode(.text(bytes), into: &scratch) == nil {
                    textCandidates[i].alive = false
                    textCandidates[i].firstFailure = ordinal
                    anyDied = true
                    if textCandidates[i].representation.timeZoneName != "UTC", firstZoneGap == nil,
                        textCandidates[i].representation.encoding == .naiveText
                            || textCandidates[i].representation.encoding == .naiveISO,
                        isNaiveShaped(bytes, textCandidates[i].representation.encoding)
                    {
                        firstZoneGap = ordinal
                    }
                }
            }
            if anyDied { prune(ordinal) }
            if allRFCShaped, bytes.count == 32, !TypeHints.isRFCShaped(hex32: bytes) { allRFCShaped = false }
        }
        if !jsonCandidates.isEmpty {
            scratch.removeAll(keepingCapacity: true)
            let valid = ColumnRepresentation.appendCompactJSON(bytes, to: &scratch)
            var anyDied = false
            for i in jsonCandidates.indices {
                let fits =
                    valid
                    && scratch.withUnsafeBytes {
                        jsonCandidates[i].representation.jsonRoundTrips(bytes, compact: $0)
                    }
                if !fits {
                    jsonCandidates[i].alive = false
                    jsonCandidates[i].firstFailure = ordinal
                    anyDied = true
                }
            }
            if anyDied { prune(ordinal) }
        }
    }

    private func isNaiveShaped(_ bytes: UnsafeRawBufferPointer, _ encoding: ColumnEncoding) -> Bool {
        let separator = encoding == .naiveText ? ASCIIByte.space : ASCIIByte.letterT
        guard let (_, end) = CivilDateTime.parseDateTime(bytes, separator: separator) else { return false }
        return end == bytes.count
    }

    private mutating func prune(_ ordinal: Int64) {
        recordedFailure = true
        deadCandidates += textCandidates.filter { !$0.alive } + jsonCandidates.filter { !$0.alive }
        textCandidates.removeAll { !$0.alive }
        jsonCandidates.removeAll { !$0.alive }
    }

    private mutating func killAll(_ ordinal: Int64) {
        for i in textCandidates.indices {
            textCandidates[i].alive = false
            textCandidates[i].firstFailure = ordinal
        }
        for i in jsonCandidates.indices {
            jsonCandidates[i].alive = false
            jsonCandidates[i].firstFailure = ordinal
        }
        prune(ordinal)
    }

    /// The text representations worth testing, given the declaration and the first text value.
    private mutating func createTextCandidates(first: UnsafeRawBufferPointer) {
        textCandidatesCreated = true
        let declared = column.declaredType
        func add(
            _ type: LogicalType, _ encoding: ColumnEncoding, timeZone: String? = nil, offset: String? = nil,
            into list: inout [Candidate]
        ) {
            if let rep = try? ColumnRepresentation(
                type: type, encoding: encoding, declaredType: declared, timeZone: timeZone, offset: offset)
            {
                list.append(Candidate(representation: rep))
            }
        }
        var candidates: [Candidate] = []
        for encoding in [ColumnEncoding.hex32, .hex32Upper, .uuidText, .uuidTextUpper] {
            add(.uuid, encoding, into: &candidates)
        }
        add(.timestamp, .naiveText, timeZone: zone ?? "UTC", into: &candidates)
        add(.timestamp, .naiveISO, timeZone: zone ?? "UTC", into: &candidates)
        add(.timestamp, .isoZ, into: &candidates)
        // iso_offset needs the offset every value carries: take it from the first value.
        if first.count >= 6, let offset = CivilDateTime.parseOffset(first, at: first.count - 6) {
            var text: [UInt8] = []
            CivilDateTime.appendOffset(offset, to: &text)
            add(.timestamp, .isoOffset, offset: String(decoding: text, as: UTF8.self), into: &candidates)
        }
        add(.date, .text, into: &candidates)
        add(.decimal, .text, into: &candidates)
        if hints.timeOfDay || forcedType == .time { add(.time, .text, into: &candidates) }
        textCandidates = candidates
        let looksLikeJSONContainer = first.first == UInt8(ascii: "{") || first.first == UInt8(ascii: "[")
        if hints.json || looksLikeJSONContainer || forcedType == .json {
            var json: [Candidate] = []
            add(.json, .text, into: &json)
            add(.json, .jsonPython, into: &json)
            add(.json, .jsonPythonUTF8, into: &json)
            jsonCandidates = json
        }
    }

    /// The surviving candidate of `type` with `encoding` (nil when it died or was never tested).
    func alive(_ type: LogicalType, _ encoding: ColumnEncoding? = nil) -> Candidate? {
        (textCandidates + jsonCandidates).first {
            $0.alive && $0.representation.type == type && (encoding == nil || $0.representation.encoding == encoding)
        }
    }

    /// A candidate of `type` that died, with the ordinal of the first value that did not fit.
    func failure(_ type: LogicalType) -> Candidate? {
        deadCandidates.filter { $0.representation.type == type }.max { ($0.firstFailure ?? 0) < ($1.firstFailure ?? 0) }
    }

    /// The storage classes seen (non-null).
    var classCount: Int {
        (integers > 0 ? 1 : 0) + (reals > 0 ? 1 : 0) + (texts > 0 ? 1 : 0) + (blobs > 0 ? 1 : 0)
    }
}

extension TypeHints {
    /// Whether 32 hex digits carry an RFC 4122/9562 version (1-8) and variant (10xx) — true of uuids that
    /// libraries generate, and of 1 in 8 random hashes.
    static func isRFCShaped(hex32 s: UnsafeRawBufferPointer) -> Bool {
        guard s.count == 32 else { return false }
        let version = s[12]
        let variant = s[16] | 0x20
        return version >= UInt8(ascii: "1") && version <= UInt8(ascii: "8")
            && (variant == UInt8(ascii: "8") || variant == UInt8(ascii: "9") || variant == UInt8(ascii: "a")
                || variant == UInt8(ascii: "b"))
    }
}
