import AuthExport
import Glibc

/// Checks of the files named on the command line, made before any work so that the usual mistakes get a message
/// saying what the file is and what to type instead (usage errors, exit 2).
enum PathChecks {
    /// The first 16 bytes of every SQLite database file.
    private static let sqliteMagic = Array("SQLite format 3\0".utf8)

    /// An archive argument (`verify`, `inspect`, `restore`, `diff`): not a directory, not a SQLite database.
    /// `sqliteHint` replaces the hint given for a SQLite database.
    static func checkArchive(_ path: String, sqliteHint: String? = nil) throws(CommandFailure) {
        guard path != "-" else { return }
        if isDirectory(path) {
            throw .usage("\(path) is a directory, not an archive", hint: "give the archive file (FILE.authx.gz)")
        }
        if isSQLiteDatabase(path) {
            throw .usage(
                "\(path) is a SQLite database, not an archive",
                hint: sqliteHint
                    ?? "did you mean `authx export \(path) -o \(stem(path)).authx.gz`? (restore takes an archive)")
        }
    }

    /// An output file (`export -o`): not a directory.
    static func checkOutput(_ path: String) throws(CommandFailure) {
        guard path != "-" else { return }
        if isDirectory(path) {
            throw .usage("\(path) is a directory", hint: "give a file name for the archive, such as \(path)/app.authx.gz")
        }
    }

    /// A database file to read (export's SQLite source): not a directory (exit 2); a missing file named by a
    /// three-slash URL that looks absolute gets the four-slash hint (exit 3, as any missing file).
    static func checkSQLiteSource(_ argument: String, path: String) throws(CommandFailure) {
        if isDirectory(path) {
            throw .usage("\(path) is a directory, not a SQLite database", hint: "give the database file")
        }
        if !exists(path), let hint = fourSlashHint(argument, path: path) {
            throw CommandFailure(
                code: "io", message: "\(path) does not exist (\(argument) is relative to the current directory)",
                hint: hint, exitCode: CLIErrors.runtime)
        }
    }

    /// A SQLite database file to write (restore's target): a missing directory named by a three-slash URL that
    /// looks absolute gets the four-slash hint (exit 3, as any missing directory).
    static func checkSQLiteTarget(_ argument: String, path: String) throws(CommandFailure) {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        if !directory.isEmpty, !exists(directory), let hint = fourSlashHint(argument, path: path) {
            throw CommandFailure(
                code: "io",
                message: "directory \(directory) does not exist (\(argument) is relative to the current directory)",
                hint: hint, exitCode: CLIErrors.runtime)
        }
    }

    /// "an absolute path takes four slashes: sqlite:////srv/app.db" for `sqlite:///srv/app.db`.
    private static func fourSlashHint(_ argument: String, path: String) -> String? {
        guard path.contains("/"), let absolute = SQLiteURL.absoluteSpelling(of: argument) else { return nil }
        return "an absolute path takes four slashes: \(absolute)"
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func isSQLiteDatabase(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, 16) }
        return count == 16 && bytes == sqliteMagic
    }

    /// `dir/app.db` → `dir/app`.
    private static func stem(_ path: String) -> String {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return path }
        return String(path[..<dot])
    }
}
