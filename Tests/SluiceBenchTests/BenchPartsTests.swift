import Foundation
import SluiceCharts
import Testing

@testable import SluiceBench

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The load generator's own parts: what it measures must be right before any figure it prints is.
@Suite struct BenchPartsTests {
    @Test func aBodyTemplateFillsItsPlaceholdersAndLeavesTheRest() {
        let template = BodyTemplate(#"{"id":{{id}},"text":"{{marker}} {{words}}","x":"{{unknown}}","y":"{ {not} }"}"#)
        #expect(template.placeholders == ["id", "marker", "words", "unknown"])
        #expect(
            template.render(["id": "42", "marker": "BENCHTS7", "words": "kw1 kw2"])
                == #"{"id":42,"text":"BENCHTS7 kw1 kw2","x":"","y":"{ {not} }"}"#)
        #expect(BodyTemplate("plain").render([:]) == "plain")
    }

    @Test func theMarkerIsFoundWhereverItIsInALineAndOnlyThere() {
        func find(_ line: String) -> Int64? { Array(line.utf8).withUnsafeBufferPointer { PublishMarker.find(in: $0) } }
        #expect(find(#"data: {"text":"BENCHTS1732600000123456789 kw1"}"#) == 1_732_600_000_123_456_789)
        #expect(find("data: BENCHTS5") == 5)
        #expect(find("BENCHTS") == nil, "a prefix without digits is no marker")
        #expect(find("data: BENCH TS12") == nil)
        #expect(find("") == nil)
        #expect(PublishMarker.make(at: 99) == "BENCHTS99")
    }

    @Test func theLatencyHistogramReportsPercentilesWithinItsPrecision() {
        var histogram = LatencyHistogram()
        for ms in 1...100 { histogram.record(nanoseconds: Int64(ms) * 1_000_000) }
        histogram.record(nanoseconds: -5)  // clocks a little apart: counted as zero, not dropped
        let summary = histogram.summary
        #expect(summary.count == 101)
        #expect(abs(summary.p50 - 50) <= 0.1)
        #expect(abs(summary.p99 - 99) <= 0.1)
        #expect(abs(summary.max - 100) <= 0.1)
        var other = LatencyHistogram()
        other.record(nanoseconds: 500_000_000)
        histogram.merge(other)
        #expect(histogram.count == 102)
        #expect(abs(histogram.summary.max - 500) <= 0.5)
        #expect(LatencyHistogram().summary.description == "no samples")
    }

    @Test func aLatencyChartIsWellFormedSVGWithEveryRunDrawn() throws {
        let chart = LatencyChart(
            title: "fanout <3> & \"streams\"",
            series: [.init(label: "a", points: [(0, 1), (50, 2), (99, 9), (100, 12)]), .init(label: "b", points: [(0, 2), (100, 4)])])
        let svg = chart.svg(width: 320, height: 240)
        let document = try XMLDocument(data: Data(svg.utf8))
        #expect(document.rootElement()?.name == "svg")
        // The title is text, escaped, not markup.
        let texts = try document.nodes(forXPath: "//*[local-name()='text']").compactMap(\.stringValue)
        #expect(texts.contains("fanout <3> & \"streams\""))
        // One line per run, each in its own colour.
        let lines = try document.nodes(forXPath: "//*[local-name()='path']").compactMap { node -> [String: String]? in
            (node as? XMLElement)?.attributes?.reduce(into: [:]) { $0[$1.name ?? ""] = $1.stringValue }
        }.filter { $0["stroke-width"] == "2.5" }.compactMap { $0["stroke"] }
        #expect(lines == [LineChart.palette[0], LineChart.palette[1]])
        // The latency axis is logarithmic: its ticks are 1, 2 and 5 times powers of ten.
        #expect(["1", "2", "5", "10"].allSatisfy(texts.contains))
    }

    /// The shared chart module writes well-formed XML whatever its labels hold: markup is escaped, and
    /// control characters (which XML cannot carry even escaped) are dropped.
    @Test func chartLabelsAreTextWhateverTheyHold() throws {
        let chart = LineChart(
            title: "<script>alert(1)</script>\u{1}", x: ChartAxis(title: "x & y", range: -5...0), y: ChartAxis(title: "'q'", scale: .logarithmic),
            series: [.init(label: "\"><img src=x onerror=alert(1)>", points: [(-4, 0), (-2, 50), (0, 5000)])])
        let document = try XMLDocument(data: Data(chart.svg().utf8))
        let texts = try document.nodes(forXPath: "//*[local-name()='text']").compactMap(\.stringValue)
        #expect(texts.contains("<script>alert(1)</script>") && texts.contains("x & y") && texts.contains("\"><img src=x onerror=alert(1)>"))
        #expect(try document.nodes(forXPath: "//*[local-name()='script' or local-name()='img']").isEmpty)
        // A log axis spans whole decades around the data, labelled 1, 2, 5 times each power of ten.
        #expect(["10", "20", "50", "100", "1k", "5k"].allSatisfy(texts.contains))
    }
}
