/// The auth_export format name and version this library reads and writes.
///
/// Readers reject an archive whose major version differs from ``major`` and accept any
/// minor version (ignoring fields they do not know). Spec: spec/FORMAT.md#versioning
public enum FormatVersion {
    /// The value of the header's `"format"` field.
    public static let formatName = "auth_export"
    /// The major version written and accepted.
    public static let major = 1
    /// The minor version written.
    public static let minor = 0
    /// The version string written into the header, `"1.0"`.
    public static var string: String { "\(major).\(minor)" }

    /// How a reader takes a header's `version` (spec §4.2): nil when it is not `MAJOR.MINOR` (two decimal integers
    /// without sign or leading zeros: `bad_record`), else whether its major version is ``major``. A major
    /// version too large for any integer type is well formed and simply not this one (`unsupported_version`).
    ///
    /// ```swift
    /// FormatVersion.isSupported("1.7")                    // true
    /// FormatVersion.isSupported("99999999999999999999.0") // false
    /// FormatVersion.isSupported("01.0")                   // nil
    /// ```
    public static func isSupported(_ version: String) -> Bool? {
        let parts = version.split(separator: ".", omittingEmptySubsequences: false)
        func isNumber(_ part: Substring) -> Bool {
            !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isNumber } && (part == "0" || part.first != "0")
        }
        guard parts.count == 2, isNumber(parts[0]), isNumber(parts[1]) else { return nil }
        return parts[0] == "\(major)"
    }
}
