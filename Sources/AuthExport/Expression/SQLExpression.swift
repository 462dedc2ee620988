/// An SQL expression from an archive's SQL texts (CHECK, DEFAULT, index WHERE and keys, view bodies), parsed into
/// a small tree by ``SQLExpressionParser``.
///
/// Loaders never send archive SQL text to a database: they check a parsed tree against what they allow
/// (columns of the table, literals, operators, casts to known types, functions from an allow-list of
/// side-effect-free functions) and write SQL of their own from it. Anything the grammar does not know is not
/// parsed at all, so it cannot reach a database or a printed plan.
///
/// - Important: the tree holds names and literals exactly as the archive spelled them: they are data, quoted by the
///   emitter of the target database.
///
/// Spec: spec/FORMAT.md#12-security-considerations
public indirect enum SQLExpression: Sendable, Hashable {
    /// A column (`name`, `"name"`, `t.name`). `mayBeString` when SQLite spelled it `"name"`: SQLite takes such a
    /// word for a string literal when no column has that name.
    case column(table: String?, name: String, mayBeString: Bool)
    case null
    case boolean(Bool)
    /// A numeric literal: decimal digits with an optional fraction and exponent (validated by the parser).
    case number(String)
    case string(String)
    case blob([UInt8])
    /// `CURRENT_TIMESTAMP`, `CURRENT_DATE`, `CURRENT_TIME`, `LOCALTIMESTAMP`, `LOCALTIME` (lowercased).
    case currentTime(String)
    case unary(SQLUnaryOperator, SQLExpression)
    case binary(SQLBinaryOperator, SQLExpression, SQLExpression)
    /// `x IS NULL` (`negated`: `IS NOT NULL`).
    case isNull(SQLExpression, negated: Bool)
    /// `a IS NOT DISTINCT FROM b` (SQLite `a IS b`); `negated`: `IS DISTINCT FROM` (SQLite `IS NOT`).
    case isNotDistinct(SQLExpression, SQLExpression, negated: Bool)
    case inList(SQLExpression, [SQLExpression], negated: Bool)
    case between(SQLExpression, SQLExpression, SQLExpression, negated: Bool)
    case match(SQLMatchOperator, SQLExpression, SQLExpression, escape: SQLExpression?, negated: Bool)
    case cast(SQLExpression, SQLTypeName)
    /// A function call; `star` for `count(*)`. The name is lowercased.
    case function(String, [SQLExpression], star: Bool, distinct: Bool)
    case caseWhen(SQLExpression?, [SQLWhen], SQLExpression?)
    case collate(SQLExpression, String)
    /// PostgreSQL `x = ANY (array)` / `x <> ALL (array)`.
    case quantified(SQLBinaryOperator, SQLExpression, SQLExpression, all: Bool)
    /// PostgreSQL `ARRAY[a, b]`.
    case array([SQLExpression])
}

/// One `WHEN condition THEN result` of a CASE.
public struct SQLWhen: Sendable, Hashable {
    public var condition: SQLExpression
    public var result: SQLExpression
    public init(condition: SQLExpression, result: SQLExpression) {
        self.condition = condition
        self.result = result
    }
}

/// Prefix operators.
public enum SQLUnaryOperator: String, Sendable, Hashable {
    case minus = "-"
    case plus = "+"
    case not = "NOT"
    case bitNot = "~"
}

/// Infix operators, with the spelling both dialects share where there is one.
public enum SQLBinaryOperator: String, Sendable, Hashable, CaseIterable {
    case or = "OR"
    case and = "AND"
    case equal = "="
    case notEqual = "<>"
    case less = "<"
    case lessEqual = "<="
    case greater = ">"
    case greaterEqual = ">="
    case concat = "||"
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case modulo = "%"
    case bitAnd = "&"
    case bitOr = "|"
    case shiftLeft = "<<"
    case shiftRight = ">>"
    /// PostgreSQL json `->`, `->>`, `@>`, `<@`, `?`.
    case jsonGet = "->"
    case jsonGetText = "->>"
    case contains = "@>"
    case containedBy = "<@"
}

/// Pattern matches.
public enum SQLMatchOperator: String, Sendable, Hashable {
    case like = "LIKE"
    case ilike = "ILIKE"
    case glob = "GLOB"
    /// PostgreSQL `~` (POSIX regular expression, case-sensitive).
    case regex = "~"
    /// PostgreSQL `~*`.
    case regexInsensitive = "~*"
}

/// A type name in a cast: lowercased words (`double precision`, `character varying`), modifiers (`(10, 2)`), and
/// whether it is an array (`[]`).
public struct SQLTypeName: Sendable, Hashable {
    public var name: String
    public var modifiers: [Int]
    public var isArray: Bool
    public init(name: String, modifiers: [Int] = [], isArray: Bool = false) {
        self.name = name
        self.modifiers = modifiers
        self.isArray = isArray
    }
}

/// A parsed `SELECT` of a view body: the subset views of auth databases use.
public struct SQLSelect: Sendable, Hashable {
    public enum Item: Sendable, Hashable {
        /// `*` or `t.*`.
        case all(table: String?)
        case expression(SQLExpression, alias: String?)
    }
    public struct Source: Sendable, Hashable {
        public var table: String
        public var alias: String?
        /// `nil` for the first source; the join kind (`JOIN`, `LEFT JOIN`, `CROSS JOIN`, `,`) for the others.
        public var join: String?
        public var on: SQLExpression?
    }
    public struct Ordering: Sendable, Hashable {
        public var expression: SQLExpression
        public var descending: Bool
    }
    public var distinct: Bool
    public var items: [Item]
    public var sources: [Source]
    public var filter: SQLExpression?
    public var groupBy: [SQLExpression]
    public var having: SQLExpression?
    public var orderBy: [Ordering]
    public var limit: SQLExpression?
    public var offset: SQLExpression?
}

/// A parsed `CREATE [UNIQUE] INDEX name ON table (keys) [WHERE predicate]`.
public struct SQLIndexStatement: Sendable, Hashable {
    public struct Key: Sendable, Hashable {
        public var expression: SQLExpression
        public var descending: Bool
        public var collation: String?
    }
    public var unique: Bool
    public var name: String
    public var table: String
    public var keys: [Key]
    public var predicate: SQLExpression?
}

/// A parsed `CREATE VIEW name [(columns)] AS select`.
public struct SQLViewStatement: Sendable, Hashable {
    public var name: String
    public var columns: [String]
    public var select: SQLSelect
}

extension SQLExpression {
    /// Calls `body` on this expression and every expression below it, depth first.
    public func visit(_ body: (SQLExpression) -> Void) {
        body(self)
        switch self {
        case .column, .null, .boolean, .number, .string, .blob, .currentTime: break
        case .unary(_, let a), .isNull(let a, _), .cast(let a, _), .collate(let a, _): a.visit(body)
        case .binary(_, let a, let b), .isNotDistinct(let a, let b, _), .quantified(_, let a, let b, _):
            a.visit(body)
            b.visit(body)
        case .inList(let a, let list, _):
            a.visit(body)
            for e in list { e.visit(body) }
        case .between(let a, let b, let c, _):
            a.visit(body)
            b.visit(body)
            c.visit(body)
        case .match(_, let a, let b, let escape, _):
            a.visit(body)
            b.visit(body)
            escape?.visit(body)
        case .function(_, let args, _, _), .array(let args):
            for e in args { e.visit(body) }
        case .caseWhen(let operand, let whens, let otherwise):
            operand?.visit(body)
            for w in whens {
                w.condition.visit(body)
                w.result.visit(body)
            }
            otherwise?.visit(body)
        }
    }
}
