import Histogram

/// Latencies recorded into an HDR histogram (1 µs to 10 minutes, three significant digits): constant
/// memory and a few nanoseconds per sample however many millions of deliveries a run sees, which a
/// sorted array of samples could not promise.
public struct LatencyHistogram: Sendable {
    private var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)

    public init() {}

    /// Records one latency; negative values (clocks a microsecond apart) count as zero.
    public mutating func record(nanoseconds: Int64) {
        _ = histogram.record(UInt64(max(0, nanoseconds / 1000)).clamped(to: 0...600_000_000))
    }

    public mutating func merge(_ other: LatencyHistogram) { histogram.add(other.histogram) }

    public var count: Int { Int(histogram.totalCount) }

    /// The latency at `percentile` (0–100), in milliseconds.
    public func milliseconds(atPercentile percentile: Double) -> Double {
        count == 0 ? 0 : Double(histogram.valueAtPercentile(percentile)) / 1000
    }

    public var summary: LatencySummary {
        LatencySummary(
            count: count, p50: milliseconds(atPercentile: 50), p90: milliseconds(atPercentile: 90),
            p99: milliseconds(atPercentile: 99), p999: milliseconds(atPercentile: 99.9),
            max: count == 0 ? 0 : Double(histogram.max) / 1000)
    }

    /// Points of the latency distribution for a chart: (percentile, milliseconds), finer towards the tail.
    public var distribution: [(percentile: Double, milliseconds: Double)] {
        guard count > 0 else { return [] }
        return [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100].map { ($0, milliseconds(atPercentile: $0)) }
    }
}

/// A latency distribution in milliseconds, as reports print it.
public struct LatencySummary: Codable, Sendable, Equatable {
    public var count: Int
    public var p50, p90, p99, p999, max: Double

    public var description: String {
        guard count > 0 else { return "no samples" }
        return String(
            format: "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms (%d samples)", p50, p90, p99, p999, max, count)
    }
}

extension Comparable {
    fileprivate func clamped(to range: ClosedRange<Self>) -> Self { Swift.min(Swift.max(self, range.lowerBound), range.upperBound) }
}
