import AuthExport

/// How the exporter reads a column's stored values and spells them in the archive.
enum CellEmitter {
    case integer
    case real
    case text
    case bytes
    case any
    case boolean
    /// Through the column representation (uuid, timestamp, date, time, decimal).
    case converted
    /// JSON text (numbers stored by NUMERIC affinity are spelled as JSON numbers).
    case json
}

/// The decision for one column: its archive description and how to read it.
struct ColumnPlan {
    var column: Column
    var representation: ColumnRepresentation
    var emitter: CellEmitter
    /// Index of the value in the SELECT list.
    var selectIndex: Int32
    /// Conditions the decision relied on beyond "the value decodes", which values read after a sample must
    /// meet too: the plausible range of unix times, RFC-shaped hex uuids.
    var guards = ValueGuards()
    /// Whether the decision came from values (false: from the declaration alone, no value seen).
    var fromValues = true
}

/// Conditions on values that a type decision relied on (see ``ColumnPlan/guards``).
struct ValueGuards {
    /// Integers must lie in this range (unix times inferred from plausible values).
    var integerRange: ClosedRange<Int64>?
    /// 32-hex-digit uuids must carry an RFC version and variant.
    var rfcShapedHex = false
}

/// Chooses each column's logical type from its declaration and a scan of every stored value.
///
/// Declared type first: the declaration decides which narrower type (uuid, timestamp, date, time, json, boolean,
/// decimal) a column may get, and its values only confirm it — a column gets that type only when every stored
/// value is reproduced exactly, value and storage class, by the type's representation; otherwise it stays
/// integer/real/text/bytes, or `any` when it mixes storage classes. Nothing is ever coerced. A generic column
/// (`TEXT`, `VARCHAR(n)`, `INTEGER`, no type) is narrowed from its values alone — JSON-looking or uuid-looking
/// text, timestamp text, time-named integers holding plausible Unix times — only with
/// ``SQLiteExportOptions/inferFromValues``, and then with a warning.
enum TypeInference {
    /// Describes a row for messages: `rowid N` where the table has one, else `row N` (archive order).
    typealias RowDescriber = (Int64) -> String

    /// Decides a column's type; with an override, the override's type or an error.
    static func plan(
        _ scan: ColumnScan, table: SourceTable, override: LogicalType?, inferFromValues: Bool = false,
        selectIndex: Int32, describe: RowDescriber, warnings: inout [ExportWarning]
    ) throws(ArchiveError) -> ColumnPlan {
        let source = scan.column
        func warn(_ message: String) {
            warnings.append(ExportWarning(table: table.name, column: source.name, message: message))
        }
        let choice: (LogicalType, ColumnRepresentation?, CellEmitter)
        if let override {
            choice = try overridden(scan, override, table: table, describe: describe)
        } else {
            choice = inferred(scan, fromValues: inferFromValues, describe: describe, warn: warn)
        }
        let (type, chosen, emitter) = choice
        let representation: ColumnRepresentation
        if let chosen {
            representation = chosen
        } else {
            representation = ColumnRepresentation(naturalFor: type, declaredType: source.declaredType)
        }
        let hints = scan.hints
        var column = Column(
            name: source.name, type: type,
            nullable: !(source.notNull || source.isRowIDAlias) || scan.nulls > 0,
            sourceType: source.declaredType.isEmpty ? nil : source.declaredType,
            defaultSQL: source.defaultSQL, autoIncrement: source.isRowIDAlias, collation: source.collation)
        if source.notNull && scan.nulls > 0 {
            warn("declared NOT NULL but holds \(scan.nulls) NULL value(s); exported as nullable")
        }
        switch type {
        case .uuid, .timestamp, .json, .decimal, .date, .time, .boolean:
            column.encoding = representation.encoding
        default:
            break
        }
        if type == .timestamp,
            representation.encoding == .naiveText || representation.encoding == .naiveISO
        {
            column.timeZone = representation.timeZoneName
        }
        if type == .timestamp, representation.encoding == .isoOffset {
            var text: [UInt8] = []
            CivilDateTime.appendOffset(representation.offsetSeconds, to: &text)
            column.offset = String(decoding: text, as: UTF8.self)
        }
        if type == .text, let length = hints.length { column.maxLength = length }
        if type == .decimal {
            column.precision = hints.precision
            column.scale = hints.scale
        }
        var guards = ValueGuards()
        if override == nil {
            if representation.encoding == .unixSeconds { guards.integerRange = plausibleSeconds }
            if representation.encoding == .unixMillis { guards.integerRange = plausibleMillis }
            if type == .uuid, representation.encoding == .hex32 || representation.encoding == .hex32Upper,
                !hints.declaredUUID, !(hints.declaredUUIDLength && hints.uuidName)
            {
                guards.rfcShapedHex = true
            }
        }
        return ColumnPlan(
            column: column, representation: representation, emitter: emitter, selectIndex: selectIndex,
            guards: guards, fromValues: scan.classCount > 0)
    }

    /// Unix times in seconds taken as timestamps without being told: 1900-01-01 to 2100-01-01.
    static let plausibleSeconds: ClosedRange<Int64> = -2_208_988_800...4_102_444_800
    /// Unix times in milliseconds taken as timestamps without being told: 1973-03-03 to 2100-01-01.
    static let plausibleMillis: ClosedRange<Int64> = 100_000_000_000...4_102_444_800_000

    // MARK: Inference

    private static func inferred(
        _ scan: ColumnScan, fromValues: Bool, describe: RowDescriber, warn: (String) -> Void
    ) -> (LogicalType, ColumnRepresentation?, CellEmitter) {
        let hints = scan.hints
        let declared = scan.column.declaredType.isEmpty ? "no type" : scan.column.declaredType
        func row(_ event: Int32) -> String { scan.firstOrdinalByClass[event].map(describe) ?? "a row" }
        /// A narrowing the declaration does not ask for: taken only with `inferFromValues`, and said.
        func narrowedFromValues(
            _ choice: (LogicalType, ColumnRepresentation?, CellEmitter), _ what: String
        ) -> (LogicalType, ColumnRepresentation?, CellEmitter)? {
            guard fromValues else { return nil }
            warn(
                "declared \(declared), narrowed to \(choice.0.rawValue) (\(choice.1?.encoding.rawValue ?? "")) because "
                    + "\(what) (--infer-from-values); a restore creates a \(choice.0.rawValue) column")
            return choice
        }

        if scan.invalidUTF8 > 0 {
            warn(
                "\(scan.invalidUTF8) TEXT value(s) are not valid UTF-8 (first at \(row(8))); exported as type any "
                    + "(tagged text_bytes), byte for byte")
            return (.any, nil, .any)
        }
        switch scan.classCount {
        case 0:
            return hintOnly(scan)
        case 1:
            break
        default:
            if hints.json, scan.blobs == 0, scan.realsFitJSON, let json = scan.alive(.json) {
                return (.json, json.representation, .json)
            }
            if hints.decimal, scan.texts == 0, scan.blobs == 0, scan.realsFitDecimal,
                let rep = try? ColumnRepresentation(
                    type: .decimal, encoding: .numericAffinity, declaredType: scan.column.declaredType)
            {
                return (.decimal, rep, .converted)
            }
            var classes: [String] = []
            if scan.integers > 0 { classes.append("INTEGER") }
            if scan.reals > 0 { classes.append("REAL") }
            if scan.texts > 0 { classes.append("TEXT") }
            if scan.blobs > 0 { classes.append("BLOB") }
            if hints.declaredUUID || (hints.declaredUUIDLength && hints.uuidName), scan.texts > 0,
                scan.integers + scan.reals > 0
            {
                let rows = scan.firstNumberOrdinals.map(describe).joined(separator: ", ")
                let more = scan.integers + scan.reals > Int64(scan.firstNumberOrdinals.count) ? ", …" : ""
                warn(
                    "\(scan.integers + scan.reals) value(s) of this \(declared) column are numbers, not uuid text: "
                        + "SQLite's NUMERIC affinity turned digit-only hex into numbers, and the original uuid "
                        + "cannot be recovered exactly (rows: \(rows)\(more)); the column is exported as type any, "
                        + "values unchanged — fix these rows in the source")
            } else {
                warn(
                    "declared \(declared) but holds \(classes.joined(separator: ", ")) values; exported as type any, "
                        + "each value with its storage class")
            }
            return (.any, nil, .any)
        }

        if scan.integers > 0 {
            if hints.boolean, scan.allBooleanIntegers, let rep = rep(.boolean, .int01, scan) {
                return (.boolean, rep, .boolean)
            }
            if hints.boolean {
                warn(
                    "declared \(declared) but holds integers other than 0 and 1 (first at \(row(5))); exported as integer"
                )
            }
            if hints.dateOrTime || hints.timeName, let encoding = unixEncoding(scan),
                let rep = rep(.timestamp, encoding, scan)
            {
                if hints.dateOrTime { return (.timestamp, rep, .converted) }
                if let choice = narrowedFromValues(
                    (.timestamp, rep, .converted), "its name reads like a time and every integer is a plausible Unix time")
                {
                    return choice
                }
            }
            if hints.decimal, let rep = rep(.decimal, .numericAffinity, scan) { return (.decimal, rep, .converted) }
            if hints.json, let rep = rep(.json, .jsonPython, scan) { return (.json, rep, .json) }
            if hints.dateOrTime {
                warn("declared \(declared) but its integers are not plausible unix times; exported as integer")
            }
            return (.integer, nil, .integer)
        }
        if scan.reals > 0 {
            if hints.decimal, scan.realsFitDecimal, let rep = rep(.decimal, .numericAffinity, scan) {
                return (.decimal, rep, .converted)
            }
            if hints.json, scan.realsFitJSON, let rep = rep(.json, .jsonPython, scan) { return (.json, rep, .json) }
            return (.real, nil, .real)
        }
        if scan.blobs > 0 {
            if hints.declaredUUID || hints.declaredBinary16, scan.allBlobs16, let rep = rep(.uuid, .blob16, scan) {
                return (.uuid, rep, .converted)
            }
            return (.bytes, nil, .bytes)
        }
        // Text only, all valid UTF-8.
        if let uuid = chosenUUID(scan) {
            let choice = (LogicalType.uuid, Optional(uuid.representation), CellEmitter.converted)
            if hints.declaredUUID || hints.declaredUUIDLength { return choice }
            if let choice = narrowedFromValues(choice, "every value is a uuid") { return choice }
        }
        for encoding in [ColumnEncoding.naiveText, .naiveISO, .isoZ, .isoOffset] {
            if let candidate = scan.alive(.timestamp, encoding) {
                let choice = (LogicalType.timestamp, Optional(candidate.representation), CellEmitter.converted)
                if hints.dateOrTime { return choice }
                if let choice = narrowedFromValues(choice, "every value is timestamp text") { return choice }
                break
            }
        }
        if let date = scan.alive(.date) {
            let choice = (LogicalType.date, Optional(date.representation), CellEmitter.converted)
            if hints.dateOrTime { return choice }
            if let choice = narrowedFromValues(choice, "every value is a date") { return choice }
        }
        if hints.timeOfDay, let time = scan.alive(.time) { return (.time, time.representation, .converted) }
        if let json = scan.alive(.json, .text) ?? scan.alive(.json, .jsonPython) ?? scan.alive(.json, .jsonPythonUTF8) {
            let choice = (LogicalType.json, Optional(json.representation), CellEmitter.json)
            if hints.json { return choice }
            if let choice = narrowedFromValues(choice, "every value is JSON text") { return choice }
        }

        // Kept as text: say why when the declaration promised more.
        if hints.json {
            if let failed = scan.failure(.json), let ordinal = failed.firstFailure {
                warn(
                    "declared \(declared) but \(describe(ordinal)) is not JSON text that authx can reproduce byte "
                        + "for byte (invalid JSON, or spacing other than compact or Python's json.dumps); exported as text"
                )
            }
        } else if hints.dateOrTime {
            if let ordinal = scan.firstZoneGap {
                warn(
                    "\(describe(ordinal)) names a local time that does not exist in \(scan.zone ?? "UTC") (a "
                        + "daylight-saving gap); exported as text")
            } else if let failed = scan.failure(.timestamp) ?? scan.failure(.date), let ordinal = failed.firstFailure {
                warn(
                    "declared \(declared) but \(describe(ordinal)) is not a timestamp in one format authx "
                        + "reproduces exactly (YYYY-MM-DD HH:MM:SS[.ffffff], ISO 8601 with T, Z or one fixed offset); "
                        + "exported as text")
            }
        } else if hints.declaredUUID {
            warn("declared \(declared) but not every value is a uuid in one spelling; exported as text")
        }
        return (.text, nil, .text)
    }

    /// The type of a column without a value: from its declaration alone.
    private static func hintOnly(_ scan: ColumnScan) -> (LogicalType, ColumnRepresentation?, CellEmitter) {
        let hints = scan.hints
        if hints.declaredUUID || (hints.declaredUUIDLength && hints.uuidName),
            let rep = rep(.uuid, hints.length == 36 ? .uuidText : .hex32, scan)
        {
            return (.uuid, rep, .converted)
        }
        if hints.boolean, let rep = rep(.boolean, .int01, scan) { return (.boolean, rep, .boolean) }
        if hints.json, let rep = rep(.json, .jsonPython, scan) { return (.json, rep, .json) }
        if hints.timeOfDay, let rep = rep(.time, .text, scan) { return (.time, rep, .converted) }
        if hints.dateOrTime {
            let declared = scan.column.declaredType.uppercased()
            if declared.hasPrefix("DATE") && !declared.hasPrefix("DATETIME"), let rep = rep(.date, .text, scan) {
                return (.date, rep, .converted)
            }
            if let rep = rep(.timestamp, .naiveText, scan) { return (.timestamp, rep, .converted) }
        }
        if hints.decimal, let rep = rep(.decimal, .numericAffinity, scan) { return (.decimal, rep, .converted) }
        switch SQLiteAffinity(declaredType: scan.column.declaredType) {
        case .integer: return (.integer, nil, .integer)
        case .real: return (.real, nil, .real)
        case .text: return (.text, nil, .text)
        case .blob: return scan.column.declaredType.isEmpty ? (.any, nil, .any) : (.bytes, nil, .bytes)
        case .numeric: return (.any, nil, .any)
        }
    }

    private static func rep(_ type: LogicalType, _ encoding: ColumnEncoding, _ scan: ColumnScan)
        -> ColumnRepresentation?
    {
        let naive = encoding == .naiveText || encoding == .naiveISO
        return try? ColumnRepresentation(
            type: type, encoding: encoding, declaredType: scan.column.declaredType,
            timeZone: naive ? (scan.zone ?? "UTC") : nil)
    }

    /// unix_seconds when every integer is a plausible time in seconds (1900-2100), unix_millis when every one is
    /// in milliseconds (1973-2100); nil otherwise.
    private static func unixEncoding(_ scan: ColumnScan) -> ColumnEncoding? {
        if plausibleSeconds.contains(scan.minInteger) && plausibleSeconds.contains(scan.maxInteger) {
            return .unixSeconds
        }
        if plausibleMillis.contains(scan.minInteger) && plausibleMillis.contains(scan.maxInteger) { return .unixMillis }
        return nil
    }

    /// The uuid spelling every value has, when the declaration or the values make a uuid column credible: a
    /// declared UUID type; or CHAR(32)/CHAR(36) with an id-like name or RFC-shaped values; or dashed uuid text.
    private static func chosenUUID(_ scan: ColumnScan) -> ColumnScan.Candidate? {
        let hints = scan.hints
        if let dashed = scan.alive(.uuid, .uuidText) ?? scan.alive(.uuid, .uuidTextUpper) { return dashed }
        guard let hex = scan.alive(.uuid, .hex32) ?? scan.alive(.uuid, .hex32Upper) else { return nil }
        if hints.declaredUUID { return hex }
        if hints.declaredUUIDLength && (hints.uuidName || scan.allRFCShaped) { return hex }
        if hints.uuidName && scan.allRFCShaped { return hex }
        return nil
    }

    // MARK: Overrides

    private static func overridden(
        _ scan: ColumnScan, _ type: LogicalType, table: SourceTable, describe: RowDescriber
    ) throws(ArchiveError) -> (LogicalType, ColumnRepresentation?, CellEmitter) {
        func misfit(_ event: Int32?, _ ordinal: Int64?, _ expected: String) -> ArchiveError {
            let at = (ordinal ?? event.flatMap { scan.firstOrdinalByClass[$0] }).map(describe) ?? "a row"
            return ArchiveError(
                .invalidValue, "\(at) does not fit --type \(type.rawValue): expected \(expected)",
                location: .init(table: table.name, column: scan.column.name))
        }
        let numbers = scan.integers + scan.reals
        switch type {
        case .any:
            return (.any, nil, .any)
        case .integer:
            guard scan.reals + scan.texts + scan.blobs == 0 else {
                throw misfit(scan.reals > 0 ? 2 : scan.texts > 0 ? 3 : 4, nil, "INTEGER values")
            }
            return (.integer, nil, .integer)
        case .real:
            guard scan.integers + scan.texts + scan.blobs == 0 else {
                throw misfit(scan.integers > 0 ? 1 : scan.texts > 0 ? 3 : 4, nil, "REAL values")
            }
            return (.real, nil, .real)
        case .text:
            guard numbers + scan.blobs == 0, scan.invalidUTF8 == 0 else {
                throw misfit(
                    scan.invalidUTF8 > 0 ? 8 : scan.integers > 0 ? 1 : scan.reals > 0 ? 2 : 4, nil,
                    "TEXT values in UTF-8")
            }
            return (.text, nil, .text)
        case .bytes:
            guard numbers + scan.texts == 0 else {
                throw misfit(scan.integers > 0 ? 1 : scan.reals > 0 ? 2 : 3, nil, "BLOB values")
            }
            return (.bytes, nil, .bytes)
        case .boolean:
            guard scan.reals + scan.texts + scan.blobs == 0 else {
                throw misfit(scan.reals > 0 ? 2 : scan.texts > 0 ? 3 : 4, nil, "the integers 0 and 1")
            }
            guard scan.allBooleanIntegers else { throw misfit(5, nil, "the integers 0 and 1") }
            return (.boolean, rep(.boolean, .int01, scan), .boolean)
        case .decimal:
            if scan.texts + scan.blobs == 0 {
                guard scan.realsFitDecimal else {
                    throw misfit(6, nil, "numbers SQLite's NUMERIC affinity stores as they are")
                }
                return (.decimal, rep(.decimal, .numericAffinity, scan), .converted)
            }
            guard numbers + scan.blobs == 0, let text = scan.alive(.decimal) else {
                throw misfit(
                    nil, scan.failure(.decimal)?.firstFailure, "canonical decimal text -?digits[.digits] or numbers")
            }
            return (.decimal, text.representation, .converted)
        case .uuid:
            if numbers > 0 {
                let first = [scan.firstOrdinalByClass[1], scan.firstOrdinalByClass[2]].compactMap { $0 }.min()
                throw misfit(
                    nil, first,
                    "a uuid, found a number (NUMERIC affinity turned digit-only hex into a number; the uuid cannot be recovered)"
                )
            }
            if scan.blobs > 0 {
                guard numbers + scan.texts == 0, scan.allBlobs16 else {
                    throw misfit(
                        scan.allBlobs16 ? (scan.integers > 0 ? 1 : scan.reals > 0 ? 2 : 3) : 7, nil,
                        "uuids in one spelling (16-byte blobs)")
                }
                return (.uuid, rep(.uuid, .blob16, scan), .converted)
            }
            let candidate =
                scan.alive(.uuid, .hex32) ?? scan.alive(.uuid, .hex32Upper) ?? scan.alive(.uuid, .uuidText)
                ?? scan.alive(.uuid, .uuidTextUpper)
            guard let candidate else {
                throw misfit(
                    nil, scan.failure(.uuid)?.firstFailure,
                    "uuids in one spelling (32 hex digits or 36 with dashes, one letter case)")
            }
            return (.uuid, candidate.representation, .converted)
        case .timestamp:
            if scan.integers > 0 {
                // Forced: seconds when every value is a time in years 0001-9999 as seconds, else milliseconds.
                let seconds =
                    scan.minInteger >= CivilDateTime.minEpochSeconds
                    && scan.maxInteger <= CivilDateTime.maxEpochSeconds
                let millis =
                    scan.minInteger >= CivilDateTime.minEpochSeconds * 1000
                    && scan.maxInteger <= CivilDateTime.maxEpochSeconds * 1000 + 999
                guard scan.reals + scan.texts + scan.blobs == 0, seconds || millis else {
                    throw misfit(
                        scan.reals > 0 ? 2 : scan.texts > 0 ? 3 : scan.blobs > 0 ? 4 : 1, nil,
                        "unix times in seconds or milliseconds within years 0001-9999")
                }
                return (.timestamp, rep(.timestamp, seconds ? .unixSeconds : .unixMillis, scan), .converted)
            }
            guard numbers + scan.blobs == 0 else {
                throw misfit(scan.reals > 0 ? 2 : 4, nil, "timestamp text or unix times")
            }
            for encoding in [ColumnEncoding.naiveText, .naiveISO, .isoZ, .isoOffset] {
                if let c = scan.alive(.timestamp, encoding) { return (.timestamp, c.representation, .converted) }
            }
            if scan.texts == 0 { return (.timestamp, rep(.timestamp, .naiveText, scan), .converted) }
            throw misfit(
                nil, scan.failure(.timestamp)?.firstFailure,
                "timestamps in one format (YYYY-MM-DD HH:MM:SS[.ffffff], ISO 8601 with T, Z or one fixed offset)"
                    + (scan.zone != nil ? " that exist in \(scan.zone ?? "")" : ""))
        case .date, .time:
            guard numbers + scan.blobs == 0 else {
                throw misfit(
                    scan.integers > 0 ? 1 : scan.reals > 0 ? 2 : 4, nil,
                    type == .date ? "YYYY-MM-DD text" : "HH:MM:SS[.ffffff] text")
            }
            if scan.texts == 0 { return (type, rep(type, .text, scan), .converted) }
            if type == .date, let c = scan.alive(.date) { return (.date, c.representation, .converted) }
            if type == .time {
                if let c = scan.alive(.time) { return (.time, c.representation, .converted) }
            }
            throw misfit(
                nil, scan.failure(type)?.firstFailure, type == .date ? "YYYY-MM-DD text" : "HH:MM:SS[.ffffff] text")
        case .json:
            guard scan.blobs == 0, scan.realsFitJSON else { throw misfit(scan.blobs > 0 ? 4 : 6, nil, "JSON text") }
            if let c = scan.alive(.json, .text) ?? scan.alive(.json, .jsonPython) ?? scan.alive(.json, .jsonPythonUTF8)
            {
                return (.json, c.representation, .json)
            }
            if scan.texts == 0 { return (.json, rep(.json, .jsonPython, scan), .json) }
            throw misfit(
                nil, scan.failure(.json)?.firstFailure,
                "JSON text spelled compactly or as Python's json.dumps does, so it can be reproduced byte for byte")
        }
    }
}
