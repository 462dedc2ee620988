public enum FormatVersion { public static let major = 1; public static let minor = 0 }
