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
}
