import AuthExport

/// Orders tables so that referenced (parent) tables come before the tables that reference them, where the
/// foreign-key graph allows; ties and cycles keep the schema's order.
///
/// Self-references are ignored.
enum TableOrder {
    static func parentsFirst(_ tables: [SourceTable]) -> [SourceTable] {
        let index = Dictionary(tables.enumerated().map { ($1.name.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        var parents = [Set<Int>](repeating: [], count: tables.count)
        for (i, table) in tables.enumerated() {
            for key in table.foreignKeys {
                if let p = index[key.referencedTable.lowercased()], p != i { parents[i].insert(p) }
            }
        }
        var placed = [Bool](repeating: false, count: tables.count)
        var order: [Int] = []
        while order.count < tables.count {
            // The first table (schema order) whose parents are all placed; in a cycle, the first unplaced one.
            let next =
                (0..<tables.count).first { !placed[$0] && parents[$0].allSatisfy { placed[$0] } }
                ?? (0..<tables.count).first { !placed[$0] }
            guard let next else { break }
            placed[next] = true
            order.append(next)
        }
        return order.map { tables[$0] }
    }
}
