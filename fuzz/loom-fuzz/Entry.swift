import Foundation

#if LOOM_FUZZ
/// libFuzzer's callback: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    guard let bytes else { selectedTarget.run(Data()); return 0 }
    selectedTarget.run(Data(bytes: bytes, count: count))
    return 0
}

/// libFuzzer's driver (`-sanitize=fuzzer` links it).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// SwiftPM links an executable's `main` to `loom_fuzz_main`; in the fuzz build it hands over
/// to libFuzzer, which then calls ``fuzzOneInput(_:_:)`` for each input.
@_cdecl("loom_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { bytes, size in fuzzOneInput(bytes, size) }
}
#else
/// Without libFuzzer: replays the files (or folders of files) given as arguments through the
/// target, so a corpus or a crash file can be re-run with a plain build:
/// `LOOM_FUZZ_TARGET=png swift run loom-fuzz fuzz/corpus/png`.
@main
struct Replay {
    static func main() {
        var files: [String] = []
        for argument in CommandLine.arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
                files += names.sorted().map { (argument as NSString).appendingPathComponent($0) }
            } else {
                files.append(argument)
            }
        }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            selectedTarget.run(data)
        }
        print("loom-fuzz: \(selectedTarget.rawValue): replayed \(files.count) inputs")
    }
}
#endif
