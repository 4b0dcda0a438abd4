import ArgumentParser
import Foundation
import SluiceBench

/// `sluice bench plot`: one latency chart from saved `fanout`/`filtered` JSON reports, one line per run.
struct PlotBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot", abstract: "Chart the latency distributions of saved fanout/filtered reports (--json output) into an SVG.")

    @Argument(help: "JSON reports, one per run.") var reports: [String]
    @Option(help: "The SVG file to write.") var output: String
    @Option(help: "The chart's title.") var title = "publish-to-receipt latency"

    func run() throws {
        guard !reports.isEmpty else { throw ValidationError("give at least one report") }
        let series = try reports.map { path in
            do {
                return LatencyChart.Series(try JSONDecoder().decode(DeliveryScenario.Report.self, from: Data(contentsOf: URL(fileURLWithPath: path))))
            } catch {
                throw ValidationError("\(path) is not a fanout or filtered report: \(error)")
            }
        }
        try LatencyChart(title: title, series: series).svg().write(toFile: output, atomically: true, encoding: .utf8)
        print("wrote \(output)")
    }
}
