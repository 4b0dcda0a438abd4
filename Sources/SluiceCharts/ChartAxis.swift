import Foundation

/// One axis of a `LineChart`: how values map onto it, and where its labelled ticks go.
public struct ChartAxis: Sendable {
    public enum Scale: Sendable, Equatable {
        /// Equal steps for equal differences, from `0` (or the smallest value, if negative) up.
        case linear
        /// Equal steps for equal ratios (latencies, rates that span decades); values at or below
        /// zero sit on the axis' floor.
        case logarithmic
        /// Percentiles on a "nines" axis: 0% … 90% … 99% … 99.9% … 99.99%, each step one more nine.
        case nines
    }

    public var title: String
    public var scale: Scale
    /// Labelled ticks; computed from the data when empty.
    public var ticks: [(value: Double, label: String)]
    /// The values the axis spans, whatever the data (a time axis: the last minutes); from the data when
    /// nil. On a log axis, the lower bound is a floor and the top grows with the data.
    public var range: ClosedRange<Double>?

    public init(title: String, scale: Scale = .linear, ticks: [(value: Double, label: String)] = [], range: ClosedRange<Double>? = nil) {
        self.title = title
        self.scale = scale
        self.ticks = ticks
        self.range = range
    }

    /// The standard percentile ticks of a `.nines` axis.
    public static let ninesTicks: [(value: Double, label: String)] = [
        (0, "0%"), (50, "50%"), (90, "90%"), (99, "99%"), (99.9, "99.9%"), (99.99, "99.99%"),
    ]

    /// The value's place on the axis, before scaling to pixels.
    func position(_ value: Double) -> Double {
        switch scale {
        case .linear: value
        case .logarithmic: log10(max(value, 1e-9))
        case .nines: min(4, -log10(max(1e-4, 1 - value / 100)))
        }
    }

    /// The range the axis covers for `values`, and its ticks.
    func layout(for values: [Double]) -> (low: Double, high: Double, ticks: [(value: Double, label: String)]) {
        if let range, scale == .linear {
            let chosen =
                ticks.isEmpty
                ? (0...5).map { range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / 5 }.map { ($0, Self.label($0)) } : ticks
            return (range.lowerBound, range.upperBound, chosen)
        }
        switch scale {
        case .nines:
            return (0, 4, ticks.isEmpty ? Self.ninesTicks : ticks)
        case .linear:
            let high = Self.niceCeiling(values.max() ?? 1)
            let low = min(0, values.min() ?? 0)
            let chosen = ticks.isEmpty ? (0...5).map { low + (high - low) * Double($0) / 5 }.map { ($0, Self.label($0)) } : ticks
            return (low, high, chosen)
        case .logarithmic:
            let positive = values.filter { $0 > 0 }
            // With a range, its lower bound is the floor (what is below sits on the axis) and the top
            // grows with the data; without one, whole decades around the data.
            let low = range?.lowerBound ?? pow(10, floor(log10(positive.min() ?? 1)))
            var high = max(range?.upperBound ?? 0, pow(10, ceil(log10(positive.max() ?? 10))))
            if high <= low { high = low * 10 }
            var chosen = ticks
            if chosen.isEmpty {
                // 1, 2 and 5 times each power of ten over up to three decades; past that, the powers only,
                // so that the labels never crowd.
                let steps: [Double] = log10(high / low) > 3 ? [1] : [1, 2, 5]
                var decade = low
                while decade <= high * 1.000_001 {
                    for step in steps where decade * step <= high * 1.000_001 {
                        chosen.append((decade * step, Self.label(decade * step)))
                    }
                    decade *= 10
                }
            }
            return (low, high, chosen)
        }
    }

    /// 1, 2 or 5 times a power of ten, at or above `value`.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let power = pow(10, floor(log10(value)))
        for step in [1.0, 2, 5, 10] where step * power >= value { return step * power }
        return 10 * power
    }

    /// A short label: `0.5`, `20`, `1.5k`, `2M`.
    public static func label(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1_000_000 { return trimmed(value / 1_000_000) + "M" }
        if magnitude >= 1_000 { return trimmed(value / 1_000) + "k" }
        return trimmed(value)
    }

    private static func trimmed(_ value: Double) -> String {
        if value == value.rounded() { return String(format: "%.0f", value) }
        return abs(value) >= 10 ? String(format: "%.0f", value) : String(format: "%.2g", value)
    }
}
