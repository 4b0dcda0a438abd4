import Crypto
import Foundation
import Synchronization

/// OAuth 1.0a HMAC-SHA1 signatures (RFC 5849 §3.4), as Twitter's Site Streams clients send them.
public enum OAuth1Signature {
    /// RFC 3986 percent-encoding, as RFC 5849 §3.6 requires: everything but `A–Z a–z 0–9 - . _ ~`,
    /// byte by byte in UTF-8, with upper-case hex.
    public static func percentEncode(_ string: String) -> String {
        var out = ""
        out.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// The base string URI (§3.4.1.2): lower-case scheme and host, the port only when it is not the
    /// scheme's default, and the path; no query or fragment.
    public static func baseURI(scheme: String, host: String, port: Int?, path: String) -> String {
        let scheme = scheme.lowercased()
        let defaultPort = scheme == "https" ? 443 : 80
        let authority = host.lowercased() + (port.map { $0 == defaultPort ? "" : ":\($0)" } ?? "")
        return "\(scheme)://\(authority)\(path.isEmpty ? "/" : path)"
    }

    /// The signature base string (§3.4.1): method, base URI and the normalized parameters (§3.4.1.3.2:
    /// every name and value encoded, sorted by name then value, `oauth_signature` and `realm` left out).
    public static func baseString(method: String, uri: String, parameters: [(String, String)]) -> String {
        var encoded: [(name: String, value: String)] = []
        for (name, value) in parameters where name != "oauth_signature" && name != "realm" {
            encoded.append((percentEncode(name), percentEncode(value)))
        }
        // Encoded strings are ASCII, so String order is byte order, as §3.4.1.3.2 asks.
        encoded.sort { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        let normalized = encoded.map { pair in pair.name + "=" + pair.value }.joined(separator: "&")
        return [method.uppercased(), percentEncode(uri), percentEncode(normalized)].joined(separator: "&")
    }

    /// HMAC-SHA1 of the base string, keyed by the encoded consumer secret and token secret (§3.4.2), in base64.
    public static func sign(_ baseString: String, consumerSecret: String, tokenSecret: String) -> String {
        let key = SymmetricKey(data: Data((percentEncode(consumerSecret) + "&" + percentEncode(tokenSecret)).utf8))
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(baseString.utf8), using: key)
        return Data(mac).base64EncodedString()
    }

    /// The parameters of an `Authorization: OAuth k="v", …` header (§3.5.1), decoded; nil if it is not one.
    public static func parseAuthorizationHeader(_ header: String) -> [(String, String)]? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("oauth ") else { return nil }
        var result: [(String, String)] = []
        for part in trimmed.dropFirst(6).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            guard let equals = pair.firstIndex(of: "=") else { return nil }
            let name = String(pair[..<equals])
            var value = pair[pair.index(after: equals)...]
            if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 { value = value.dropFirst().dropLast() }
            guard let decodedName = name.removingPercentEncoding, let decodedValue = String(value).removingPercentEncoding else { return nil }
            result.append((decodedName, decodedValue))
        }
        return result
    }
}

/// Checks the freshness of signed requests: timestamps within a window of the server's clock, and each
/// nonce used once within it (RFC 5849 §3.3), per consumer and token.
public final class OAuth1NonceWindow: Sendable {
    public enum Refusal: Error, Sendable, Equatable {
        case staleTimestamp
        case reusedNonce
    }

    public let window: TimeInterval
    private let seen = Mutex<[String: TimeInterval]>([:])

    public init(window: TimeInterval = 300) {
        self.window = window
    }

    /// Accepts `nonce` at `timestamp` (seconds since 1970) once, if the timestamp is within the window of `now`.
    public func admit(consumerKey: String, token: String, nonce: String, timestamp: TimeInterval, now: TimeInterval) throws(Refusal) {
        guard abs(now - timestamp) <= window else { throw .staleTimestamp }
        let key = consumerKey + "\u{0}" + token + "\u{0}" + nonce
        let fresh = seen.withLock { seen -> Bool in
            // Forget nonces whose timestamps left the window: they would be refused as stale anyway.
            if seen.count > 10_000 { seen = seen.filter { now - $0.value <= window } }
            guard seen[key] == nil else { return false }
            seen[key] = timestamp
            return true
        }
        guard fresh else { throw .reusedNonce }
    }
}
