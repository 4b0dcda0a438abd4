import Foundation
import Synchronization

/// The built `sluice` binary running as a child process, for tests that need a real process:
/// SIGKILL, restart on the same file, graceful shutdown on SIGTERM.
public final class SluiceProcess: Sendable {
    public let port: Int
    private let process: Process
    private let output: OutputBuffer

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// The dedicated stream listener's port, when started with `--stream-port`.
    public var streamPort: Int? { output.port(after: "sluice streams listening on") }
    public var processIdentifier: Int32 { process.processIdentifier }
    /// Everything the process printed so far (stdout and stderr together).
    public var log: String { output.text }

    /// The `sluice` executable: `SLUICE_BIN` if set, else beside the test bundle in the build folder.
    public static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["SLUICE_BIN"] { return URL(fileURLWithPath: path) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("sluice")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        throw TimedOut(what: "the sluice binary (run `swift build` first, or set SLUICE_BIN)")
    }

    /// Starts `sluice serve` with `arguments` on `port` (0: a free one) and waits until it listens.
    public static func serve(_ arguments: [String], port: Int = 0, timeout: Duration = .seconds(120)) async throws -> SluiceProcess {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = ["serve", "--port", String(port)] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let output = OutputBuffer()
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { output.append(data) }
        }
        try process.run()
        do {
            try await waitUntil(timeout: timeout, "sluice to listen") {
                guard process.isRunning else { throw TimedOut(what: "sluice exited early: \(output.text)") }
                return output.listeningPort != nil
                    && (!arguments.contains("--stream-port") || output.port(after: "sluice streams listening on") != nil)
            }
            return SluiceProcess(port: output.listeningPort!, process: process, output: output)
        } catch {
            process.terminate()
            throw error
        }
    }

    private init(port: Int, process: Process, output: OutputBuffer) {
        self.port = port
        self.process = process
        self.output = output
    }

    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to exit; returns its status.
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(60)) async throws -> Int32 {
        try await waitUntil(timeout: timeout, "sluice to exit") { !self.process.isRunning }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Collects a child's output from the pipe's reader thread.
final class OutputBuffer: Sendable {
    private let data = Mutex(Data())

    func append(_ chunk: Data) { data.withLock { $0.append(chunk) } }

    var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }

    var listeningPort: Int? { port(after: "sluice listening on") }

    /// The port in the first `<prefix> 127.0.0.1:PORT` line printed.
    func port(after prefix: String) -> Int? {
        guard let range = text.range(of: prefix + #" 127\.0\.0\.1:(\d+)"#, options: .regularExpression) else { return nil }
        return Int(text[range].split(separator: ":").last!)
    }
}

/// Another `sluice` command (`tail`, `keys`…) running as a child process, its output collected.
public final class SluiceCommand: Sendable {
    private let process: Process
    private let output = OutputBuffer()

    public init(_ arguments: [String]) throws {
        process = Process()
        process.executableURL = try SluiceProcess.binary()
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let output = self.output
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { output.append(data) }
        }
        try process.run()
    }

    /// Everything it printed so far.
    public var text: String { output.text }
    public var isRunning: Bool { process.isRunning }

    /// Runs `arguments` to its end; returns its status and output.
    public static func run(_ arguments: [String], timeout: Duration = .seconds(120)) async throws -> (Int32, String) {
        let command = try SluiceCommand(arguments)
        try await waitUntil(timeout: timeout, "sluice \(arguments.first ?? "") to finish") { !command.process.isRunning }
        return (command.process.terminationStatus, command.text)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
