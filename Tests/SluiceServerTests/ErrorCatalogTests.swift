import Foundation
import Testing

@testable import SluiceServer

/// The README's table of errors is `ErrorCatalog`, and the catalog holds exactly the codes the server's
/// sources can answer with, each with the status they answer it with: a code added to the server and
/// left out of the table (or a table row for a code nothing produces) fails here.
struct ErrorCatalogTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func sources(under folder: String) throws -> [String] {
        let base = root.appendingPathComponent(folder)
        let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        return try files.filter { $0.pathExtension == "swift" }.map { try String(contentsOf: $0, encoding: .utf8) }
    }

    static func matches(_ pattern: String, in text: String) throws -> [[String]] {
        let regex = try NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { match in
            (1..<match.numberOfRanges).map { String(text[Range(match.range(at: $0), in: text)!]) }
        }
    }

    /// Statuses as the sources name them (HTTPTypes' names, or Twitter's 420 by number).
    static let statusNames: [String: Int] = [
        "badRequest": 400, "unauthorized": 401, "forbidden": 403, "notFound": 404, "methodNotAllowed": 405, "notAcceptable": 406,
        "requestTimeout": 408, "contentTooLarge": 413, "unsupportedMediaType": 415, "unprocessableContent": 422, "tooManyRequests": 429,
        "internalServerError": 500, "serviceUnavailable": 503, "conflict": 409,
    ]

    @Test func theCatalogHoldsExactlyTheCodesTheServerProducesWithTheirStatuses() throws {
        var produced: [String: Set<Int>] = [:]
        for text in try Self.sources(under: "Sources/SluiceServer") {
            for groups in try Self.matches(#"badRequest\(\s*"([a-z_]+)""#, in: text) { produced[groups[0], default: []].insert(400) }
            for groups in try Self.matches(#"APIError\(\s*\.([A-Za-z]+),\s*code:\s*"([a-z_]+)""#, in: text) {
                let status = try #require(Self.statusNames[groups[0]], "status .\(groups[0]) for \(groups[1])")
                produced[groups[1], default: []].insert(status)
            }
            for groups in try Self.matches(#"Status\(code: (\d+)[^)]*\),\s*code:\s*"([a-z_]+)""#, in: text) {
                produced[groups[1], default: []].insert(Int(groups[0])!)
            }
        }
        // Batch refusals come from the event core's codes: 400, except a size, which is 413.
        let validator = try String(contentsOf: Self.root.appendingPathComponent("Sources/SluiceCore/Ingest/BatchValidator.swift"), encoding: .utf8)
        for groups in try Self.matches(#"case [a-zA-Z]+ = "([a-z_]+)""#, in: validator) {
            produced[groups[0], default: []].insert(groups[0] == "event_too_large" ? 413 : 400)
        }
        #expect(produced.count > 30, "the scan finds the server's codes")
        let catalog = Dictionary(grouping: ErrorCatalog.entries, by: \.code).mapValues { Set($0.map(\.status)) }
        #expect(Set(produced.keys).subtracting(catalog.keys).sorted() == [], "produced but not in the table")
        #expect(Set(catalog.keys).subtracting(produced.keys).sorted() == [], "in the table but produced nowhere")
        for (code, statuses) in produced.sorted(by: { $0.key < $1.key }) {
            #expect(catalog[code] == statuses, "\(code): the server answers \(statuses.sorted()), the table says \(catalog[code]?.sorted() ?? [])")
        }
    }

    @Test func theReadmeShowsTheCatalog() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let begin = try #require(readme.range(of: "<!-- errors:begin"))
        let body = readme[begin.upperBound...].drop { $0 != "\n" }.dropFirst()
        let end = try #require(body.range(of: "\n<!-- errors:end -->"))
        #expect(String(body[..<end.lowerBound]) == ErrorCatalog.markdownTable)
    }
}
