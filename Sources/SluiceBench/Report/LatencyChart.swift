import Foundation

/// A latency-distribution chart of one or more runs, as PNG: latency (ms, linear) against percentile on
/// a "nines" axis (50%, 90%, 99%, 99.9%, 99.99%), the usual way to compare tails; the legend gives each
/// run's deliveries per second and p99.
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

    static let palette: [PNGImage.Color] = [.init(31, 119, 180), .init(214, 39, 40), .init(44, 160, 44), .init(255, 127, 14), .init(148, 103, 189)]

    /// The percentile's place on the nines axis: 0 at 0%, 1 at 90%, 2 at 99%, … capped at 99.99%.
    static func nines(_ percentile: Double) -> Double { min(4, -log10(max(1e-4, 1 - percentile / 100))) }

    public func image(width: Int = 960, height: Int = 600) -> PNGImage {
        var image = PNGImage(width: width, height: height)
        let left = 90, right = width - 60, top = 60, bottom = height - 70 - 24 * series.count
        let maximum = niceCeiling(series.flatMap { $0.points.map(\.milliseconds) }.max() ?? 1)
        func x(_ percentile: Double) -> Int { left + Int(Double(right - left) * Self.nines(percentile) / 4) }
        func y(_ milliseconds: Double) -> Int { bottom - Int(Double(bottom - top) * min(1, milliseconds / maximum)) }

        image.text(title, x: left, y: 20, scale: 2)
        for step in 0...5 {
            let value = maximum * Double(step) / 5
            image.line(from: (left, y(value)), to: (right, y(value)), .grid)
            let label = value >= 10 ? String(format: "%.0f", value) : String(format: "%.1f", value)
            image.text(label, x: left - 10 - PNGImage.textWidth(label), y: y(value) - 7)
        }
        for (percentile, label) in [(0.0, "0%"), (50, "50%"), (90, "90%"), (99, "99%"), (99.9, "99.9%"), (99.99, "99.99%")] {
            image.line(from: (x(percentile), top), to: (x(percentile), bottom), .grid)
            image.text(label, x: x(percentile) - PNGImage.textWidth(label) / 2, y: bottom + 10)
        }
        image.line(from: (left, top), to: (left, bottom), .axis, thickness: 2)
        image.line(from: (left, bottom), to: (right, bottom), .axis, thickness: 2)
        image.text("ms", x: 20, y: top - 20)
        image.text("percentile", x: (left + right) / 2 - PNGImage.textWidth("percentile") / 2, y: bottom + 34)

        for (index, run) in series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            let points = run.points.map { (x: x($0.percentile), y: y($0.milliseconds)) }
            for (a, b) in zip(points, points.dropFirst()) { image.line(from: a, to: b, color, thickness: 3) }
            let legendY = bottom + 62 + 24 * index
            image.fill(x: left, y: legendY, width: 24, height: 12, color)
            image.text(run.label, x: left + 36, y: legendY - 1)
        }
        return image
    }

    public func png() -> Data { Data(image().png()) }

    /// 1, 2 or 5 times a power of ten, at or above `value`.
    func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let power = pow(10, floor(log10(value)))
        for step in [1.0, 2, 5, 10] where step * power >= value { return step * power }
        return 10 * power
    }
}
