import ArgumentParser
import AuthExport

/// `--profile NAME` and `--as TABLE.COLUMN=REPRESENTATION`, shared by both restore targets: how columns are
/// represented where ORMs differ (docs/orm-profiles.md).
struct RepresentationOption: ParsableArguments {
    @Option(
        name: .customLong("profile"),
        help: ArgumentHelp(
            "Represent columns as the ORM NAME creates them when the archive comes from the other engine: \(RepresentationProfile.all.map(\.name).joined(separator: ", ")). Default: default (naive timestamps stay naive; SQLite uuids as 32 hex digits).",
            valueName: "NAME"))
    var profile: String?

    @Option(
        name: .customLong("as"),
        help: ArgumentHelp(
            "Represent one column as REPRESENTATION, in any direction (repeatable): PostgreSQL timestamp, timestamptz, jsonb, json, text, boolean, integer, uuid; SQLite uuid-hex, uuid-dashed, datetime, datetime6, iso-z, json-compact, json-python.",
            valueName: "TABLE.COLUMN=REPRESENTATION"))
    var columns: [String] = []

    /// Whether either option was given.
    var isGiven: Bool { profile != nil || !columns.isEmpty }

    func validate() throws { _ = try options() }

    /// The parsed options.
    func options() throws -> RepresentationOptions {
        do {
            return try RepresentationOptions(profile: profile, columns: columns)
        } catch {
            throw ValidationError(error.message)
        }
    }
}
