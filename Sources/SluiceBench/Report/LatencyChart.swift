import Foundation
import SluiceCharts

/// A latency-distribution chart of one or more runs: latency (ms, on a log axis, so that tails 30 ms
/// apart stay apart) against percentile on a "nines" axis (50%, 90%, 99%, 99.9%, 99.99%), the usual
/// way to compare tails; the legend gives each run's deliveries per second and p99. Drawn as SVG by
/// the shared `LineChart`.
public struct LatencyChart: Sendable {
    public struct Series: Sendable {
        public var label: String
        /// (percentile, milliseconds) points.
        public var points: [(percentile: Double, milliseconds: Double)]

        public init(label: String, points: [(percentile: Double, milliseconds: Double)]) {
            self.label = label
            self.points = points
        }

        public init(_ report: DeliveryScenario.Report) {
            label = String(format: "%@: %.0f deliveries/s, p99 %.1f ms", report.server, report.deliveriesPerSecond, report.latency.p99)
            points = report.distribution.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil }
        }
    }

    public var title: String
    public var series: [Series]

    public init(title: String, series: [Series]) {
        self.title = title
        self.series = series
    }

    public var chart: LineChart {
        LineChart(
            title: title, x: ChartAxis(title: "percentile", scale: .nines), y: ChartAxis(title: "ms", scale: .logarithmic),
            series: series.map { run in LineChart.Series(label: run.label, points: run.points.map { (x: $0.percentile, y: $0.milliseconds) }) })
    }

    public func svg(width: Int = 960, height: Int = 600) -> String { chart.svg(width: width, height: height) }
}
