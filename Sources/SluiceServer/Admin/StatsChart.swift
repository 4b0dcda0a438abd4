import Foundation
import SluiceAPI
import SluiceCharts

/// The operator console's charts, drawn from `StatsHistory`: what each shows and how. With several
/// nodes, rates and sizes are the cluster's totals and the lag chart has a line per node.
enum StatsChart: String, CaseIterable, Sendable {
    /// Deliveries and events ingested per second (log axis: the two differ by the fan-out factor).
    case throughput
    /// Open Private SSE streams, Site Streams connections and the user streams they carry.
    case streams
    /// How many events of the log each node's fan-out has still to handle.
    case lag
    /// Bytes waiting in outboxes.
    case outbox

    func draw(_ samples: [StatsHistory.Sample], now: Date, minutes: Int) -> String {
        func x(_ sample: StatsHistory.Sample) -> Double { sample.at.timeIntervalSince(now) / 60 }
        func total(_ sample: StatsHistory.Sample, _ figure: (NodeFigures) -> Int) -> Double { Double(sample.nodes.reduce(0) { $0 + figure($1) }) }
        func gauge(_ label: String, _ figure: @escaping (NodeFigures) -> Int) -> LineChart.Series {
            LineChart.Series(label: label, points: samples.map { (x($0), total($0, figure)) })
        }
        /// A counter's rate between consecutive samples, over the nodes present in both.
        func rate(_ label: String, _ figure: @escaping (NodeFigures) -> Int) -> LineChart.Series {
            let points = zip(samples, samples.dropFirst()).compactMap { earlier, later -> (x: Double, y: Double)? in
                let seconds = later.at.timeIntervalSince(earlier.at)
                guard seconds > 0 else { return nil }
                let before = Dictionary(earlier.nodes.map { ($0.node, figure($0)) }, uniquingKeysWith: max)
                let grown = later.nodes.reduce(0) { sum, node in sum + max(0, figure(node) - (before[node.node] ?? figure(node))) }
                return (x(later), Double(grown) / seconds)
            }
            return LineChart.Series(label: label, points: points)
        }
        let time = ChartAxis(
            title: "minutes", ticks: (0...minutes).map { (Double(-minutes + $0), $0 == minutes ? "now" : "−\(minutes - $0)") },
            range: Double(-minutes)...0)
        let chart: LineChart
        switch self {
        case .throughput:
            chart = LineChart(
                title: "Deliveries and events ingested per second", x: time, y: ChartAxis(title: "per second", scale: .logarithmic, range: 1...10),
                series: [rate("deliveries/s", \.deliveries), rate("events ingested/s", \.ingested)])
        case .streams:
            chart = LineChart(
                title: "Open streams", x: time, y: ChartAxis(title: "streams"),
                series: [gauge("Private SSE", \.privateStreams), gauge("Site Streams", \.siteStreams), gauge("user streams carried", \.userStreams)])
        case .lag:
            let nodes = Set(samples.flatMap { $0.nodes.map(\.node) }).sorted()
            chart = LineChart(
                title: "Fan-out lag behind the log", x: time, y: ChartAxis(title: "events"),
                series: nodes.map { node in
                    LineChart.Series(
                        label: node,
                        points: samples.compactMap { sample in sample.nodes.first { $0.node == node }.map { (x(sample), Double($0.lag)) } })
                })
        case .outbox:
            chart = LineChart(
                title: "Bytes waiting in outboxes", x: time, y: ChartAxis(title: "bytes"), series: [gauge("outbox bytes", \.outboxBytes)])
        }
        return chart.svg(width: 640, height: 300)
    }
}
