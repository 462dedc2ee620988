import Foundation

/// `authx-fuzz FILE…` replays inputs through ``ArchiveFuzzing`` (or, with `AUTHX_FUZZ_TARGET=schema`, through
/// ``SchemaRestoreFuzzing``); `authx-fuzz --frame INPUT OUTPUT` writes the archive an input stands for. Built by `scripts/fuzz` (with
/// `-sanitize=fuzzer,address -DAUTHX_LIBFUZZER`), it is a libFuzzer binary taking libFuzzer's options.
@main
struct FuzzEntry {
    static func main() {
        #if AUTHX_LIBFUZZER
        // SwiftPM links an executable's `main` to this function, so libFuzzer's own `main` is not linked in:
        // its driver is started from here.
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        if isSchemaTarget {
            exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
                SchemaRestoreFuzzing.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
                return 0
            })
        }
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            ArchiveFuzzing.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
            return 0
        })
        #else
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.count == 3, arguments[0] == "--frame" {
            // `authx-fuzz --frame INPUT OUTPUT`: writes the archive an input stands for, to look at with authx.
            guard let data = FileManager.default.contents(atPath: arguments[1]) else { exit(2) }
            let bytes = [UInt8](data)
            let archive = bytes.starts(with: [0x1F, 0x8B]) ? bytes : ArchiveFuzzing.framed(text: bytes)
            exit(FileManager.default.createFile(atPath: arguments[2], contents: Data(archive)) ? 0 : 2)
        }
        installWatchdog()
        for path in arguments {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("authx-fuzz: cannot read \(path)\n".utf8))
                exit(2)
            }
            let bytes = [UInt8](data)
            alarm(watchdogSeconds)
            // Unbuffered: the name is out before the input runs, for the watchdog's message or a crash.
            FileHandle.standardOutput.write(Data("\(path): ".utf8))
            let verdict = isSchemaTarget ? SchemaRestoreFuzzing.run(bytes) : ArchiveFuzzing.run(bytes)
            FileHandle.standardOutput.write(Data("\(verdict)\n".utf8))
        }
        #endif
    }

    /// Replay mode: an input that takes longer than this (`AUTHX_FUZZ_TIMEOUT`, default 60 s) is a hang, reported
    /// by name (libFuzzer has its own `-timeout`).
    static let watchdogSeconds = UInt32(ProcessInfo.processInfo.environment["AUTHX_FUZZ_TIMEOUT"] ?? "") ?? 60

    static func installWatchdog() {
        signal(SIGALRM) { _ in
            let message: StaticString = "did not finish within AUTHX_FUZZ_TIMEOUT seconds (a hang)\n"
            _ = write(1, message.utf8Start, message.utf8CodeUnitCount)
            _exit(1)
        }
    }

    /// `AUTHX_FUZZ_TARGET=schema`: restore into PostgreSQL and check that nothing outside the restore changed.
    static let isSchemaTarget: Bool = {
        switch ProcessInfo.processInfo.environment["AUTHX_FUZZ_TARGET"] ?? "archive" {
        case "archive", "": return false
        case "schema": return true
        case let other: fatalError("AUTHX_FUZZ_TARGET=\(other): the targets are archive (the default) and schema")
        }
    }()
}

#if AUTHX_LIBFUZZER
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif
