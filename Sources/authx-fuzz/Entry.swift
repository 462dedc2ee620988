import Foundation

/// `authx-fuzz FILE…` replays inputs through ``ArchiveFuzzing``; `authx-fuzz --frame INPUT OUTPUT` writes the archive
/// an input stands for. Built by `scripts/fuzz` (with
/// `-sanitize=fuzzer,address -DAUTHX_LIBFUZZER`), it is a libFuzzer binary taking libFuzzer's options.
@main
struct FuzzEntry {
    static func main() {
        #if AUTHX_LIBFUZZER
        // SwiftPM links an executable's `main` to this function, so libFuzzer's own `main` is not linked in:
        // its driver is started from here.
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
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
        for path in arguments {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("authx-fuzz: cannot read \(path)\n".utf8))
                exit(2)
            }
            print("\(path): \(ArchiveFuzzing.run([UInt8](data)))")
        }
        #endif
    }
}

#if AUTHX_LIBFUZZER
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif
