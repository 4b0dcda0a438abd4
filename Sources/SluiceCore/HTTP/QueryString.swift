import Foundation

/// Query strings and form bodies (`application/x-www-form-urlencoded`), percent- and `+`-decoded.
public enum QueryString {
    /// The query of a request target as a dictionary. A repeated parameter's values are joined with
    /// commas (`keywords=a&keywords=b` is `keywords=a,b`), so nothing a client sends is dropped.
    public static func parse(_ target: String) -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in pairs(query(of: target)) {
            result[name] = result[name].map { $0 + "," + value } ?? value
        }
        return result
    }

    /// The query part of a request target, without the `?`.
    public static func query(of target: String) -> Substring {
        guard let start = target.firstIndex(of: "?") else { return "" }
        return target[target.index(after: start)...]
    }

    /// Every `name=value` pair, in order, repeated names kept: what an OAuth signature covers.
    public static func pairs(_ encoded: Substring) -> [(String, String)] {
        encoded.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The names of the pairs whose name or value is not valid percent-encoding of UTF-8 (`%ZZ`, a
    /// Latin-1 `%E9`), as a client would name them: decoded where the name decodes, else as sent. `pairs`
    /// keeps such text as it came; a caller that must not guess refuses these.
    public static func undecodable(_ encoded: Substring) -> [String] {
        encoded.split(separator: "&", omittingEmptySubsequences: true).compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = strictlyDecoded(parts[0])
            guard name == nil || (parts.count > 1 && strictlyDecoded(parts[1]) == nil) else { return nil }
            return name ?? String(parts[0])
        }
    }

    private static func decode(_ part: Substring) -> String {
        strictlyDecoded(part) ?? part.replacingOccurrences(of: "+", with: " ")
    }

    private static func strictlyDecoded(_ part: Substring) -> String? {
        part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
