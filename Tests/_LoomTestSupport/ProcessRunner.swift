import Foundation
import TensorCore

/// What a finished child process printed, and how it ended.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String
}

/// Runs `executable` to the end and collects both outputs. Standard error is drained on another
/// thread, so a child that fills one pipe while the other is being read cannot stall.
public func runProcess(_ executable: URL, arguments: [String], directory: URL? = nil,
                       environment: [String: String]? = nil) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let errors = Locked(Data())
    let drained = DispatchGroup()
    DispatchQueue.global().async(group: drained) {
        let data = err.fileHandleForReading.readDataToEndOfFile()
        errors.update { $0 = data }
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    drained.wait()
    process.waitUntilExit()
    return ProcessOutput(status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
                         standardError: String(decoding: errors.read { $0 }, as: UTF8.self))
}
