/// Something the restore did not carry over exactly, and says so: a rename, a changed type, a default, index,
/// CHECK, view or trigger that PostgreSQL cannot take. Nothing is dropped without a note.
public struct RestoreNote: Sendable, Hashable, CustomStringConvertible {
    /// What kind of change it is.
    public enum Kind: String, Sendable, Hashable {
        /// A name longer than 63 bytes was shortened.
        case renamed
        /// A column got another type than the mapping's first choice (widened for a value, or mixed values).
        case typeChanged = "type_changed"
        /// An object was translated from the source's SQL dialect and created; worth a review.
        case translated
        /// An object, default or constraint was not restored; the message says why.
        case notRestored = "not_restored"
        /// Something implied by PostgreSQL itself (a boolean `IN (0, 1)` CHECK) was left out.
        case implied
        /// What an earlier restore killed by SIGKILL left in the database (a `--jobs` staging schema) was found:
        /// dropped, or named with the command that drops it.
        case leftover
    }

    /// What kind of change it is.
    public var kind: Kind
    /// The archive table it concerns, where any.
    public var table: String?
    /// One line saying what happened and why. Never row values.
    public var message: String

    /// Creates a note.
    public init(_ kind: Kind, table: String?, _ message: String) {
        self.kind = kind
        self.table = table
        self.message = message
    }

    /// Whether the object was left out because its SQL text is outside the allow-list grammar (what
    /// `strictSQL` refuses), rather than for another reason.
    package var isOutsideAllowList = false

    /// A `.notRestored` note for archive SQL outside the allow-list grammar.
    static func outsideAllowList(table: String?, _ message: String) -> RestoreNote {
        var note = RestoreNote(.notRestored, table: table, message)
        note.isOutsideAllowList = true
        return note
    }

    /// `table t: message`.
    public var description: String {
        if let table { return "table \(table): \(message)" }
        return message
    }
}
