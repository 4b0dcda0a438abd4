import Foundation

/// Query parameters of a request target, percent- and `+`-decoded. A repeated parameter's values are
/// joined with commas (`keywords=a&keywords=b` is `keywords=a,b`), so nothing a client sends is dropped.
enum QueryString {
    static func parse(_ target: String) -> [String: String] {
        guard let start = target.firstIndex(of: "?") else { return [:] }
        var result: [String: String] = [:]
        for pair in target[target.index(after: start)...].split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            result[name] = result[name].map { $0 + "," + value } ?? value
        }
        return result
    }

    private static func decode(_ part: Substring) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
