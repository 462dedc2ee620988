/// Which tables a command works on: `--table` and `--exclude-table` glob patterns.
///
/// A table is selected when it matches some include pattern (or there are none) and no exclude pattern.
/// Patterns use shell globs: `*`, `?` and `[…]`, matched against the whole name, case-sensitively. A pattern
/// that does not match a name as written may be schema-qualified as pg_dump's are: `public.users` matches the
/// table `users` when `public` matches one of ``schemaNames`` (the schema of the tables filtered).
public struct TableFilter: Sendable, Hashable {
    /// Patterns a table must match one of; empty selects every table.
    public var include: [String]
    /// Patterns that deselect a table.
    public var exclude: [String]

    /// The names the tables' schema goes by, for schema-qualified patterns: by default `public` (PostgreSQL's
    /// usual schema) and `main` (SQLite's); a PostgreSQL export sets its schema.
    public var schemaNames: [String] = ["public", "main"]

    /// Creates a filter.
    public init(include: [String] = [], exclude: [String] = []) {
        self.include = include
        self.exclude = exclude
    }

    /// Whether `pattern` matches `table`: as written, or as `schema.table`.
    func matches(_ pattern: String, _ table: String) -> Bool {
        if Glob.matches(pattern, table) { return true }
        guard let dot = pattern.firstIndex(of: "."), !table.contains(".") else { return false }
        let schemaPattern = String(pattern[..<dot])
        let tablePattern = String(pattern[pattern.index(after: dot)...])
        return Glob.matches(tablePattern, table) && schemaNames.contains { Glob.matches(schemaPattern, $0) }
    }

    /// `tables` with those named in `order` first, in that order, then the others in their own order: an export
    /// given another stream's table order (`tableOrder`) lists its tables alike.
    package static func ordered<T>(_ tables: [T], first order: [String], name: (T) -> String) -> [T] {
        guard !order.isEmpty else { return tables }
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        return tables.enumerated().sorted { a, b in
            (rank[name(a.element)] ?? order.count + a.offset) < (rank[name(b.element)] ?? order.count + b.offset)
        }.map(\.element)
    }

    /// Whether the filter selects every table.
    public var selectsAll: Bool { include.isEmpty && exclude.isEmpty }

    /// Whether `table` is selected.
    public func includes(_ table: String) -> Bool {
        if !include.isEmpty && !include.contains(where: { matches($0, table) }) { return false }
        return !exclude.contains(where: { matches($0, table) })
    }

    /// The include patterns that match none of `tables` (to report a likely typo).
    public func unmatchedIncludes(in tables: [String]) -> [String] {
        include.filter { pattern in !tables.contains { matches(pattern, $0) } }
    }

    /// What is wrong with this filter over `tables` (the tables of `origin`, such as "the archive"), or nil: an
    /// include pattern matching no table (a likely typo), or patterns that together leave no table. Every
    /// command treats either as a usage error, found before anything is written.
    public func problem(in tables: [String], of origin: String) -> String? {
        let list = tables.isEmpty ? "it has none" : "tables: " + tables.joined(separator: ", ")
        let unmatched = unmatchedIncludes(in: tables)
        if !unmatched.isEmpty {
            return "--table \(unmatched.map { "\"\($0)\"" }.joined(separator: ", ")) matches no table of \(origin) "
                + "(\(list))"
        }
        if !selectsAll, !tables.isEmpty, !tables.contains(where: includes) {
            return "--table/--exclude-table leave no table of \(origin) to process (\(list))"
        }
        return nil
    }
}

/// Shell-style glob matching on Unicode scalars.
package enum Glob {
    package static func matches(_ pattern: String, _ name: String) -> Bool {
        let p = Array(pattern.unicodeScalars)
        let n = Array(name.unicodeScalars)
        var pi = 0
        var ni = 0
        var starP = -1
        var starN = 0
        while ni < n.count {
            if pi < p.count, p[pi] == "*" {
                starP = pi
                starN = ni
                pi += 1
            } else if pi < p.count, let next = matchOne(p, pi, n[ni]) {
                pi = next
                ni += 1
            } else if starP >= 0 {
                pi = starP + 1
                starN += 1
                ni = starN
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// Matches one pattern element at `pi` against `c`; returns the index after the element.
    private static func matchOne(_ p: [Unicode.Scalar], _ pi: Int, _ c: Unicode.Scalar) -> Int? {
        switch p[pi] {
        case "?": return pi + 1
        case "[":
            var i = pi + 1
            var negate = false
            if i < p.count, p[i] == "!" || p[i] == "^" {
                negate = true
                i += 1
            }
            var matched = false
            var first = true
            while i < p.count, p[i] != "]" || first {
                first = false
                if i + 2 < p.count, p[i + 1] == "-", p[i + 2] != "]" {
                    if p[i] <= c && c <= p[i + 2] { matched = true }
                    i += 3
                } else {
                    if p[i] == c { matched = true }
                    i += 1
                }
            }
            guard i < p.count else { return p[pi] == c ? pi + 1 : nil }  // no closing bracket: literal '['
            return matched != negate ? i + 1 : nil
        case "\\" where pi + 1 < p.count:
            return p[pi + 1] == c ? pi + 2 : nil
        default:
            return p[pi] == c ? pi + 1 : nil
        }
    }
}
