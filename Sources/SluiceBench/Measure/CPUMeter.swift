/// CPU used over a run, by this process (the load generator) and by the server's processes, from
/// readings taken when it starts.
struct CPUMeter: Sendable {
    let serverPIDs: [Int32]
    private let ownAtStart: Double
    private let serverAtStart: Double?

    /// Starts measuring now.
    init(serverPIDs: [Int32]) {
        self.serverPIDs = serverPIDs
        ownAtStart = ProcessStats.ownCPUSeconds()
        serverAtStart = ProcessStats.cpuSeconds(serverPIDs)
    }

    /// Seconds of CPU the load generator used since the start.
    var ownSeconds: Double { ProcessStats.ownCPUSeconds() - ownAtStart }

    /// Seconds of CPU the server used since the start; nil without server process ids.
    var serverSeconds: Double? {
        ProcessStats.cpuSeconds(serverPIDs).flatMap { now in serverAtStart.map { now - $0 } }
    }
}
