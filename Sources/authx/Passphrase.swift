import AuthExport
import Glibc

/// Passphrases and key files for encrypted archives: read from a file, from the terminal without echo, never from
/// the command line. Key files others can read get a warning, as ssh gives.
enum Passphrase {
    /// The environment variable naming a passphrase file (for scripts).
    static let fileVariable = "AUTHX_PASSPHRASE_FILE"

    /// A file's contents as text.
    ///
    /// - Throws: `CommandFailure` (exit 3) when it cannot be read.
    static func readText(_ path: String, what: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CommandFailure(code: "io", message: "\(path): cannot read the \(what): \(String(cString: strerror(errno)))", exitCode: CLIErrors.runtime)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else {
                throw CommandFailure(code: "io", message: "\(path): cannot read the \(what): \(String(cString: strerror(errno)))", exitCode: CLIErrors.runtime)
            }
            if n == 0 { break }
            bytes += buffer[..<n]
            guard bytes.count <= 1 << 20 else {
                throw CommandFailure(code: "usage", message: "\(path): the \(what) is larger than 1 MiB", exitCode: CLIErrors.usage)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Warns on standard error when a key file is readable or writable by group or others.
    static func warnIfExposed(_ path: String, command: String) {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & 0o077 != 0 else { return }
        let mode = String(st.st_mode & 0o777, radix: 8)
        printWarning(command, "warning", "\(path): key file is accessible by others (mode \(mode)); run chmod 600 \(path)")
    }

    /// The first line of a passphrase file (without its line ending).
    static func fromFile(_ path: String) throws -> String {
        let text = try readText(path, what: "passphrase file")
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let passphrase = line.hasSuffix("\r") ? String(line.dropLast()) : line
        guard !passphrase.isEmpty else {
            throw CommandFailure(code: "usage", message: "\(path): the passphrase file's first line is empty", exitCode: CLIErrors.usage)
        }
        return passphrase
    }

    /// The passphrase file given by option or by `AUTHX_PASSPHRASE_FILE`, if any.
    static func file(option: String?) -> String? {
        if let option { return option }
        guard let value = getenv(fileVariable) else { return nil }
        let path = String(cString: value)
        return path.isEmpty ? nil : path
    }

    /// Asks on the terminal (`/dev/tty`, so standard input may carry the archive), without echo; `confirm` asks twice.
    static func ask(_ prompt: String, confirm: Bool) throws -> String {
        let tty = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard tty >= 0 else {
            throw CommandFailure(
                code: "no_identity", message: "a passphrase is needed and there is no terminal to ask on: pass --passphrase-file FILE or set \(fileVariable)",
                exitCode: CLIErrors.usage)
        }
        defer { close(tty) }
        func readLine(_ text: String) throws -> String {
            _ = text.withCString { write(tty, $0, strlen($0)) }
            var saved = termios()
            let hasTermios = tcgetattr(tty, &saved) == 0
            if hasTermios {
                var quiet = saved
                quiet.c_lflag &= ~tcflag_t(ECHO)
                tcsetattr(tty, TCSAFLUSH, &quiet)
            }
            defer {
                if hasTermios { tcsetattr(tty, TCSAFLUSH, &saved) }
                _ = write(tty, "\n", 1)
            }
            var line: [UInt8] = []
            var byte: UInt8 = 0
            while true {
                let n = read(tty, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 || byte == 0x0A { break }
                if byte != 0x0D { line.append(byte) }
            }
            return String(decoding: line, as: UTF8.self)
        }
        let first = try readLine(prompt)
        guard !first.isEmpty else { throw CommandFailure(code: "usage", message: "empty passphrase", exitCode: CLIErrors.usage) }
        if confirm {
            guard try readLine("Confirm passphrase: ") == first else {
                throw CommandFailure(code: "usage", message: "the passphrases do not match", exitCode: CLIErrors.usage)
            }
        }
        return first
    }
}
