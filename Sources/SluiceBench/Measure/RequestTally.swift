/// The outcomes of many requests (publishes, connects): how many succeeded, with their latency, and how
/// many failed, with the first failure's reason, which says more than a count.
struct RequestTally: Sendable {
    var succeeded = 0
    var failed = 0
    var firstFailure: String?
    var latency = LatencyHistogram()

    /// Records one request: `failure` is nil on success, else why it failed.
    mutating func record(failure: String?, nanoseconds: Int64) {
        if let failure {
            failed += 1
            firstFailure = firstFailure ?? failure
        } else {
            succeeded += 1
            latency.record(nanoseconds: nanoseconds)
        }
    }
}
