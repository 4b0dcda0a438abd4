import Foundation
import Testing

@testable import SluiceBench

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

    @Test func pngChecksumsMatchTheirStandardsCheckValues() {
        // The check values of CRC-32 (ISO-HDLC) and Adler-32 for these inputs.
        #expect(PNGImage.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNGImage.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
    }

    @Test func aChartIsAWellFormedPNG() throws {
        let chart = LatencyChart(
            title: "fanout: 3 streams",
            series: [.init(label: "a", points: [(0, 1), (50, 2), (99, 9), (100, 12)]), .init(label: "b", points: [(0, 2), (100, 4)])])
        let image = chart.image(width: 320, height: 240)
        let png = image.png()
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // Walk the chunks: every length and CRC must be right, ending with IEND.
        var offset = 8
        var types: [String] = []
        while offset < png.count {
            let length = png[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let typed = Array(png[(offset + 4)..<(offset + 8 + length)])
            let crc = png[(offset + 8 + length)..<(offset + 12 + length)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            #expect(PNGImage.crc32(typed) == crc)
            types.append(String(decoding: typed.prefix(4), as: UTF8.self))
            offset += 12 + length
        }
        #expect(types == ["IHDR", "IDAT", "IEND"])
        #expect(offset == png.count)
        // The series' colours are drawn: the lines are on the image, not only the legend.
        let colors = Set((0..<240).flatMap { y in (0..<320).compactMap { image.pixel($0, y) } })
        #expect(colors.contains(LatencyChart.palette[0]) && colors.contains(LatencyChart.palette[1]))
    }
}
