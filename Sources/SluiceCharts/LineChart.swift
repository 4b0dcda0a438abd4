import Foundation

/// A line chart drawn as SVG: the one chart module of Sluice, behind the operator console's charts
/// (`GET /v1/admin/stats/charts/…`) and `sluice bench plot`.
///
/// The drawing is plain SVG 1.1 with no script, no external reference and every piece of text
/// escaped, so it is safe to show in an `<img>` whatever the labels say.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var label: String
        public var points: [(x: Double, y: Double)]

        public init(label: String, points: [(x: Double, y: Double)]) {
            self.label = label
            self.points = points
        }
    }

    public var title: String
    public var x: ChartAxis
    public var y: ChartAxis
    public var series: [Series]

    public init(title: String, x: ChartAxis, y: ChartAxis, series: [Series]) {
        self.title = title
        self.x = x
        self.y = y
        self.series = series
    }

    /// Distinct colours for up to five lines, then again.
    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"]

    /// The chart as an SVG document of `width` × `height` pixels.
    public func svg(width: Int = 960, height: Int = 600) -> String {
        let legendHeight = 22 * series.count
        let left = 80.0, right = Double(width) - 30, top = 50.0, bottom = Double(height) - 60 - Double(legendHeight)
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        let (xLow, xHigh, xTicks) = x.layout(for: xs.isEmpty ? [0, 1] : xs)
        let (yLow, yHigh, yTicks) = y.layout(for: ys.isEmpty ? [0, 1] : ys)
        func px(_ value: Double) -> Double {
            let (a, b) = (x.position(xLow), x.position(xHigh))
            return left + (right - left) * (b == a ? 0 : (x.position(value) - a) / (b - a))
        }
        func py(_ value: Double) -> Double {
            let (a, b) = (y.position(yLow), y.position(yHigh))
            let fraction = b == a ? 0 : (y.position(value) - a) / (b - a)
            return bottom - (bottom - top) * min(1, max(0, fraction))
        }

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
            font-family="sans-serif" font-size="13">
            <rect width="100%" height="100%" fill="#ffffff"/>
            <text x="\(left)" y="28" font-size="18" font-weight="bold">\(Self.escaped(title))</text>

            """
        for tick in yTicks where tick.value >= yLow && tick.value <= yHigh {
            let at = Self.number(py(tick.value))
            svg += ##"<line x1="\##(left)" y1="\##(at)" x2="\##(right)" y2="\##(at)" stroke="#dddddd"/>"##
            svg += ##"<text x="\##(left - 8)" y="\##(at)" text-anchor="end" dominant-baseline="middle">\##(Self.escaped(tick.label))</text>"## + "\n"
        }
        for tick in xTicks where tick.value >= xLow && tick.value <= xHigh {
            let at = Self.number(px(tick.value))
            svg += ##"<line x1="\##(at)" y1="\##(top)" x2="\##(at)" y2="\##(bottom)" stroke="#dddddd"/>"##
            svg += ##"<text x="\##(at)" y="\##(bottom + 18)" text-anchor="middle">\##(Self.escaped(tick.label))</text>"## + "\n"
        }
        svg += ##"<path d="M\##(left) \##(top)V\##(bottom)H\##(right)" fill="none" stroke="#333333" stroke-width="2"/>"## + "\n"
        svg += ##"<text x="14" y="\##(top - 14)">\##(Self.escaped(y.title))</text>"## + "\n"
        svg += ##"<text x="\##((left + right) / 2)" y="\##(bottom + 40)" text-anchor="middle">\##(Self.escaped(x.title))</text>"## + "\n"
        for (index, line) in series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            let path = line.points.enumerated().map { i, point in "\(i == 0 ? "M" : "L")\(Self.number(px(point.x))) \(Self.number(py(point.y)))" }
            if !path.isEmpty {
                svg += ##"<path d="\##(path.joined())" fill="none" stroke="\##(color)" stroke-width="2.5" stroke-linejoin="round"/>"## + "\n"
            }
            let legendY = bottom + 52 + Double(22 * index)
            svg += ##"<rect x="\##(left)" y="\##(legendY - 10)" width="22" height="10" fill="\##(color)"/>"##
            svg += ##"<text x="\##(left + 30)" y="\##(legendY)">\##(Self.escaped(line.label))</text>"## + "\n"
        }
        return svg + "</svg>\n"
    }

    /// Text as XML character data or attribute value.
    static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // XML 1.0 allows no other control character, even escaped.
            case let control where control.unicodeScalars.allSatisfy({ $0.value < 0x20 && $0 != "\t" && $0 != "\n" }): continue
            default: out.append(character)
            }
        }
        return out
    }

    private static func number(_ value: Double) -> String { String(format: "%.1f", value) }
}
