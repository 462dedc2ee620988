/// What a column's declaration and name suggest about its values (the values decide).
struct TypeHints {
    /// Declared `UUID`, `GUID`, `UNIQUEIDENTIFIER`.
    var declaredUUID = false
    /// Declared `CHAR(32)`-like (any CHAR/VARCHAR/CHARACTER of length 32 or 36).
    var declaredUUIDLength = false
    /// Declared `BINARY(16)` / `VARBINARY(16)` / `BLOB(16)`.
    var declaredBinary16 = false
    /// The name reads like an identifier: `id`, `…id`, `…uuid`, `…guid`.
    var uuidName = false
    /// Declared `BOOL…`, or a `CHECK (col IN (0, 1))`.
    var boolean = false
    /// Declared with `DATE`, `TIME` or `TIMESTAMP`.
    var dateOrTime = false
    /// Declared `TIME` alone (a time of day).
    var timeOfDay = false
    /// The name reads like a point in time (`ts`, `…_at`, `…_ts`, `…time`, `…timestamp`, `…date`, `expires…`).
    var timeName = false
    /// Declared `JSON…`, or a `CHECK (JSON_VALID(col))`.
    var json = false
    /// Declared `DECIMAL`, `NUMERIC`, `MONEY`.
    var decimal = false
    /// `(n)` of the declared type.
    var length: Int?
    /// `(p, s)` of the declared type.
    var precision: Int?
    var scale: Int?

    init(column: SourceColumn) {
        let declared = column.declaredType.uppercased()
        let name = column.name.lowercased()
        let (base, parameters) = TypeHints.split(declared)
        if parameters.count == 1 {
            length = parameters[0]
            precision = parameters[0]
        } else if parameters.count == 2 {
            precision = parameters[0]
            scale = parameters[1]
        }
        declaredUUID = base.contains("UUID") || base.contains("GUID") || base.contains("UNIQUEIDENTIFIER")
        declaredUUIDLength = (base.contains("CHAR") || base.contains("TEXT")) && (length == 32 || length == 36)
        declaredBinary16 = (base.contains("BINARY") || base.contains("BLOB")) && length == 16
        uuidName = name == "id" || name.hasSuffix("id") || name.contains("uuid") || name.contains("guid")
        boolean = base.contains("BOOL")
        dateOrTime = base.contains("DATE") || base.contains("TIME")
        timeOfDay = base == "TIME" || base.hasPrefix("TIME WITHOUT") || base.hasPrefix("TIME WITH ")
        timeName =
            name == "ts" || name.hasSuffix("_ts") || name.hasSuffix("_at") || name.hasSuffix("time")
            || name.hasSuffix("timestamp") || name.hasSuffix("date") || name.hasPrefix("expire")
        json = base.contains("JSON")
        decimal = base.contains("DEC") || base.contains("NUMERIC") || base.contains("MONEY")
        for check in column.checks {
            let compact = check.uppercased().filter { $0 != " " && $0 != "\"" && $0 != "`" && $0 != "[" && $0 != "]" }
            let quotedName = column.name.uppercased().filter { $0 != " " && $0 != "\"" }
            if compact.contains("JSON_VALID(\(quotedName))") { json = true }
            if compact.contains("\(quotedName)IN(0,1)") || compact.contains("\(quotedName)IN(1,0)") { boolean = true }
        }
    }

    /// `NUMERIC(10, 2)` → ("NUMERIC", [10, 2]).
    private static func split(_ declared: String) -> (String, [Int]) {
        guard let open = declared.firstIndex(of: "("), let close = declared.lastIndex(of: ")"), open < close else {
            return (declared.trimmingSpacesForHints(), [])
        }
        let base = String(declared[..<open]).trimmingSpacesForHints()
        let parameters = declared[declared.index(after: open)..<close].split(separator: ",").compactMap {
            Int(String($0).trimmingSpacesForHints())
        }
        return (base, parameters)
    }
}

extension String {
    fileprivate func trimmingSpacesForHints() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
