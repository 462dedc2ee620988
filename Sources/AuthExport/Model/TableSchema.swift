/// The description of one table in an archive: its `table` record.
///
/// Spec: spec/FORMAT.md#table-record
public struct TableSchema: Sendable, Hashable {
    /// The table name, exactly as in the source.
    public var name: String
    /// The columns in row order.
    public var columns: [Column]
    /// The primary key's column names, in key order; empty when the table has none.
    public var primaryKey: [String]
    /// UNIQUE constraints (not counting the primary key).
    public var uniqueConstraints: [UniqueConstraint]
    /// Foreign keys.
    public var foreignKeys: [ForeignKey]
    /// Indexes that are not implied by the primary key or a UNIQUE constraint.
    public var indexes: [Index]
    /// CHECK constraints, as SQL of the source dialect.
    public var checks: [CheckConstraint]
    /// The source's original `CREATE TABLE` statement, where known.
    public var sql: String?
    /// Whether the source table is a SQLite `WITHOUT ROWID` table.
    public var withoutRowID: Bool
    /// The last value the table's auto-increment mechanism handed out (SQLite `sqlite_sequence.seq`, a
    /// PostgreSQL sequence's `last_value`), where it is known and may exceed the highest stored key because rows
    /// were deleted. Loaders set their sequences past the larger of this and the highest restored value.
    public var sequenceValue: Int64?

    /// Creates a table description.
    public init(
        name: String, columns: [Column], primaryKey: [String] = [], uniqueConstraints: [UniqueConstraint] = [],
        foreignKeys: [ForeignKey] = [], indexes: [Index] = [], checks: [CheckConstraint] = [], sql: String? = nil,
        withoutRowID: Bool = false, sequenceValue: Int64? = nil
    ) {
        self.name = name
        self.columns = columns
        self.primaryKey = primaryKey
        self.uniqueConstraints = uniqueConstraints
        self.foreignKeys = foreignKeys
        self.indexes = indexes
        self.checks = checks
        self.sql = sql
        self.withoutRowID = withoutRowID
        self.sequenceValue = sequenceValue
    }

    /// Every name the table record gives — the table's, its columns', and those of its constraints and indexes,
    /// with the names they refer to — each with what it names (`"table"`, `"column"`, `"index"`…), in record
    /// order. Loaders check them against what the target database can name (no NUL in SQLite or PostgreSQL).
    ///
    /// ```swift
    /// if let bad = schema.names.first(where: { $0.name.utf8.contains(0) }) {
    ///     print("\(bad.kind) name contains a NUL character")
    /// }
    /// ```
    public var names: [(kind: String, name: String)] {
        var names: [(kind: String, name: String)] = [("table", name)]
        names += columns.map { ("column", $0.name) }
        names += primaryKey.map { ("primary key column", $0) }
        for unique in uniqueConstraints {
            if let name = unique.name { names.append(("constraint", name)) }
            names += unique.columns.map { ("unique constraint column", $0) }
        }
        for key in foreignKeys {
            if let name = key.name { names.append(("constraint", name)) }
            names += key.columns.map { ("foreign key column", $0) }
            names.append(("referenced table", key.referencedTable))
            names += key.referencedColumns.map { ("referenced column", $0) }
        }
        for index in indexes {
            names.append(("index", index.name))
            names += index.columns.map { ("index column", $0) }
        }
        names += checks.compactMap { $0.name.map { ("constraint", $0) } }
        return names
    }
}

/// One column of a ``TableSchema``.
public struct Column: Sendable, Hashable {
    /// The column name, exactly as in the source.
    public var name: String
    /// The logical type every cell of the column conforms to.
    public var type: LogicalType
    /// Whether cells may be null.
    public var nullable: Bool
    /// The type the source declared (`CHAR(32)`, `DATETIME`, `timestamp with time zone`), where known.
    public var sourceType: String?
    /// How the source stored the values, so a loader can reproduce them.
    public var encoding: ColumnEncoding?
    /// For naive timestamps: the time zone the values were taken to be in (`UTC` unless told otherwise).
    public var timeZone: String?
    /// For `iso_offset` timestamps: the offset every source value carried, such as `+02:00`.
    public var offset: String?
    /// The column default as an SQL expression of the source dialect, where known.
    public var defaultSQL: String?
    /// Whether values come from an auto-increment mechanism (SQLite AUTOINCREMENT or rowid alias,
    /// PostgreSQL identity or serial); loaders set their sequences past the highest value.
    public var autoIncrement: Bool
    /// The maximum length the source declared for text (`VARCHAR(255)` → 255).
    public var maxLength: Int?
    /// The precision the source declared for decimals (`NUMERIC(10,2)` → 10).
    public var precision: Int?
    /// The scale the source declared for decimals (`NUMERIC(10,2)` → 2).
    public var scale: Int?
    /// The collation the source declared (`NOCASE`), where any.
    public var collation: String?

    /// Creates a column description.
    public init(
        name: String, type: LogicalType, nullable: Bool = true, sourceType: String? = nil,
        encoding: ColumnEncoding? = nil, timeZone: String? = nil, offset: String? = nil, defaultSQL: String? = nil,
        autoIncrement: Bool = false, maxLength: Int? = nil, precision: Int? = nil, scale: Int? = nil,
        collation: String? = nil
    ) {
        self.name = name
        self.type = type
        self.nullable = nullable
        self.sourceType = sourceType
        self.encoding = encoding
        self.timeZone = timeZone
        self.offset = offset
        self.defaultSQL = defaultSQL
        self.autoIncrement = autoIncrement
        self.maxLength = maxLength
        self.precision = precision
        self.scale = scale
        self.collation = collation
    }
}

/// A UNIQUE constraint.
public struct UniqueConstraint: Sendable, Hashable {
    /// The constraint name, where the source named it.
    public var name: String?
    /// The constrained columns, in order.
    public var columns: [String]
    /// Creates a UNIQUE constraint.
    public init(name: String? = nil, columns: [String]) {
        self.name = name
        self.columns = columns
    }
}

/// A foreign key.
public struct ForeignKey: Sendable, Hashable {
    /// The constraint name, where the source named it.
    public var name: String?
    /// The referencing columns of this table.
    public var columns: [String]
    /// The referenced table.
    public var referencedTable: String
    /// The referenced columns, in the same order as ``columns``; empty means the referenced primary key.
    public var referencedColumns: [String]
    /// The ON DELETE action (`NO ACTION`, `RESTRICT`, `CASCADE`, `SET NULL`, `SET DEFAULT`).
    public var onDelete: String
    /// The ON UPDATE action.
    public var onUpdate: String
    /// Whether the constraint is `DEFERRABLE INITIALLY DEFERRED`.
    public var deferred: Bool
    /// Creates a foreign key.
    public init(
        name: String? = nil, columns: [String], referencedTable: String, referencedColumns: [String],
        onDelete: String = "NO ACTION", onUpdate: String = "NO ACTION", deferred: Bool = false
    ) {
        self.name = name
        self.columns = columns
        self.referencedTable = referencedTable
        self.referencedColumns = referencedColumns
        self.onDelete = onDelete
        self.onUpdate = onUpdate
        self.deferred = deferred
    }
}

/// An index.
public struct Index: Sendable, Hashable {
    /// The index name, exactly as in the source.
    public var name: String
    /// The indexed columns, in order; empty when the index is on expressions only.
    public var columns: [String]
    /// Whether the index is UNIQUE.
    public var unique: Bool
    /// The WHERE clause of a partial index, as SQL of the source dialect.
    public var predicate: String?
    /// Whether some key part is an expression rather than a column (the SQL is in ``sql``).
    public var hasExpressions: Bool
    /// The source's original `CREATE INDEX` statement, where known.
    public var sql: String?
    /// Creates an index description.
    public init(
        name: String, columns: [String], unique: Bool = false, predicate: String? = nil, hasExpressions: Bool = false,
        sql: String? = nil
    ) {
        self.name = name
        self.columns = columns
        self.unique = unique
        self.predicate = predicate
        self.hasExpressions = hasExpressions
        self.sql = sql
    }
}

/// A CHECK constraint.
public struct CheckConstraint: Sendable, Hashable {
    /// The constraint name, where the source named it.
    public var name: String?
    /// The check expression, as SQL of the source dialect.
    public var expression: String
    /// Creates a CHECK constraint.
    public init(name: String? = nil, expression: String) {
        self.name = name
        self.expression = expression
    }
}
