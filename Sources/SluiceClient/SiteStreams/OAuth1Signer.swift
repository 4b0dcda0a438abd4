import Foundation
import SluiceCore

/// Signs requests as a Site Streams app's owner (OAuth 1.0a, HMAC-SHA1), the way Twitter clients did.
public struct OAuth1Signer: Sendable {
    public var consumerKey: String
    public var consumerSecret: String
    public var token: String
    public var tokenSecret: String

    public init(consumerKey: String, consumerSecret: String, token: String, tokenSecret: String) {
        self.consumerKey = consumerKey
        self.consumerSecret = consumerSecret
        self.token = token
        self.tokenSecret = tokenSecret
    }

    /// The `oauth_*` parameters, signature included, for a request to `url` (scheme, host, port and
    /// path; no query) carrying `parameters` in its query or form body.
    public func oauthParameters(
        method: String, url: String, parameters: [(String, String)], nonce: String = UUID().uuidString,
        timestamp: Int = Int(Date().timeIntervalSince1970)
    ) -> [(String, String)] {
        var oauth: [(String, String)] = [
            ("oauth_consumer_key", consumerKey), ("oauth_nonce", nonce), ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", String(timestamp)), ("oauth_token", token), ("oauth_version", "1.0"),
        ]
        let components = URLComponents(string: url)
        let uri = OAuth1Signature.baseURI(
            scheme: components?.scheme ?? "http", host: components?.host ?? "", port: components?.port,
            // As sent: the server signs the path it receives, escapes included.
            path: components.map { $0.percentEncodedPath.isEmpty ? "/" : $0.percentEncodedPath } ?? "/")
        let base = OAuth1Signature.baseString(method: method, uri: uri, parameters: oauth + parameters)
        oauth.append(("oauth_signature", OAuth1Signature.sign(base, consumerSecret: consumerSecret, tokenSecret: tokenSecret)))
        return oauth
    }

    /// The `Authorization: OAuth …` header value for those parameters.
    public static func authorizationHeader(_ oauth: [(String, String)]) -> String {
        "OAuth " + oauth.map { "\(OAuth1Signature.percentEncode($0.0))=\"\(OAuth1Signature.percentEncode($0.1))\"" }.joined(separator: ", ")
    }

    /// `name=value&…`, encoded for a query string or form body.
    public static func formEncode(_ parameters: [(String, String)]) -> String {
        parameters.map { "\(OAuth1Signature.percentEncode($0.0))=\(OAuth1Signature.percentEncode($0.1))" }.joined(separator: "&")
    }
}
