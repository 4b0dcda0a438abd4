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

    private static func decode(_ part: Substring) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
