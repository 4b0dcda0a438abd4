// Private SSE request targets: `QueryString.parse`, then `FilterSpec.parse` on the parameters.
//
// Properties checked besides "no crash, no hang":
// - every decoded pair of the query is in the dictionary, a parameter given once keeps its value;
// - an accepted filter is within its documented limits;
// - its `summary`, written back as a query string, parses to the same filter;
// - a tweet made to satisfy every filter (text = one keyword as written, its author, followers,
//   language, retweets) matches it.

import Foundation
import FuzzSupport
import SluiceCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    // As a request target (`/stream?token=…`), and as a bare query (`token=…`, as a form body would be).
    check(target: input)
    if !input.contains("?") { check(target: "/1.1/private/stream?" + input) }
    return 0
}

private func check(target: String) {
    let parameters = QueryString.parse(target)
    let pairs = QueryString.pairs(QueryString.query(of: target))
    require(parameters.count <= pairs.count, "\(parameters.count) parameters from \(pairs.count) pairs")
    var seen: [String: Int] = [:]
    for (name, _) in pairs { seen[name, default: 0] += 1 }
    for (name, value) in pairs {
        require(parameters[name] != nil, "pair \(escaped(name)) missing from the parameters")
        if seen[name] == 1 {
            require(sameScalars(parameters[name]!, value), "\(escaped(name)): \(escaped(parameters[name]!)) != \(escaped(value))")
        }
    }

    let spec: FilterSpec
    do {
        spec = try FilterSpec.parse(parameters)
    } catch {
        require(FilterSpec.parameterNames.contains(error.parameter), "error names parameter \(escaped(error.parameter))")
        require(!error.message.isEmpty, "empty error message")
        return
    }
    require(spec.keywords.count <= FilterSpec.Limits.keywords, "\(spec.keywords.count) keywords")
    require(spec.users.count <= FilterSpec.Limits.users, "\(spec.users.count) users")
    require(spec.languages.count <= FilterSpec.Limits.languages, "\(spec.languages.count) languages")
    for keyword in spec.keywords {
        require(!keyword.terms.isEmpty, "keyword \(escaped(keyword.original)) has no terms")
        require(keyword.original.count <= FilterSpec.Limits.keywordLength, "keyword \(escaped(keyword.original)) too long")
    }
    for language in spec.languages {
        require(language == language.lowercased() && !language.contains("-"), "language \(escaped(language))")
    }
    if let n = spec.minFollowers { require(n >= 0, "min_followers \(n)") }
    if let n = spec.minRetweets { require(n >= 0, "min_retweets \(n)") }

    checkSummaryRoundTrip(spec)
    checkMatching(spec)
}

/// The `status` event's summary of a filter, sent back as a query, is the same filter.
private func checkSummaryRoundTrip(_ spec: FilterSpec) {
    var query: [String] = []
    for (name, value) in spec.summary.sorted(by: { $0.key < $1.key }) {
        let text: String
        switch value {
        case .array(let items):
            text = items.map { item -> String in
                guard case .string(let s) = item else {
                    require(false, "summary \(name) holds \(item)")
                    return ""
                }
                return s
            }.joined(separator: ",")
        case .string(let s): text = s
        case .int(let n): text = String(n)
        case .bool(let b): text = String(b)
        default:
            require(false, "summary \(name) is \(value)")
            return
        }
        query.append(OAuth1Signature.percentEncode(name) + "=" + OAuth1Signature.percentEncode(text))
    }
    let target = "/1.1/private/stream?" + query.joined(separator: "&")
    do {
        let again = try FilterSpec.parse(QueryString.parse(target))
        require(again == spec, "summary round trip changed the filter: \(spec) -> \(escaped(target)) -> \(again)")
    } catch {
        require(false, "summary round trip refused: \(escaped(target)): \(error)")
    }
}

/// A tweet built to pass every filter of `spec` matches it (each keyword on its own, as keywords OR).
private func checkMatching(_ spec: FilterSpec) {
    var user = User(id: 42, username: "fuzzer", verified: spec.verified ?? false, followersCount: spec.minFollowers ?? 0)
    switch spec.users.first {
    case .id(let id): user.id = id
    case .username(let name): user.username = name
    case nil: break
    }
    let keywords: [FilterSpec.Keyword?] = spec.keywords.isEmpty ? [nil] : spec.keywords
    for keyword in keywords {
        var single = spec
        single.keywords = keyword.map { [$0] } ?? []
        let tweet = Tweet(
            id: 1, text: keyword?.original ?? "hello", createdAt: Date(timeIntervalSince1970: 1_700_000_000), user: user,
            metrics: .init(retweets: spec.minRetweets ?? 0), lang: spec.languages.first)
        require(
            single.matches(tweet, terms: TweetTerms(tweet)),
            "a tweet made to pass \(single) does not: text \(escaped(tweet.text)), lang \(tweet.lang ?? "nil")")
    }
}
