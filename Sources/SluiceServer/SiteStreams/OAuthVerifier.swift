import Crypto
import Foundation
import HTTPTypes
import NIOCore
import SluiceCore
import SluiceStore

/// Verifies OAuth 1.0a HMAC-SHA1 requests (RFC 5849) made with a Site Streams app's owner credentials.
///
/// The `oauth_*` parameters may come in the `Authorization` header, the query or a form body. The
/// signature covers the method, the base URI (scheme, host with a non-default port, path) and every
/// query and form parameter; the timestamp must be within the window and the nonce unused in it.
/// Only the app's owner token is accepted: the request then acts as that app.
struct OAuthVerifier: Sendable {
    let store: any SiteApps & SharedLimits
    let nonces: OAuth1NonceWindow
    /// The scheme clients use to reach this server (`https` when it serves TLS).
    let scheme: String
    /// Behind a proxy that terminates TLS, clients sign `https` URLs while this server sees plain HTTP:
    /// when set, the proxy's `X-Forwarded-Proto` names the scheme. Only for a proxy that sets (and
    /// overwrites) the header, since a client could otherwise choose it.
    var trustForwardedProto = false

    /// A request as the signature sees it.
    struct SignedRequest {
        var method: String
        /// The `Host` header: `host` or `host:port`.
        var authority: String
        var path: String
        var query: [(String, String)]
        var form: [(String, String)]
        var authorization: String?
        /// `X-Forwarded-Proto`, lowercased, if the request has one.
        var forwardedProto: String? = nil
        /// A body that is not a form: its parameters cannot be read, so it is refused, never ignored.
        var hasUnreadableBody = false
        /// Query or form parameters that are not valid percent-encoding: what they mean (and so what was
        /// signed) cannot be known, so they are refused, never signed as the text they came as.
        var undecodable: [String] = []
    }

    /// The OAuth 1.0a protocol parameters a signed request may carry (RFC 5849 §3.1).
    static let protocolParameters: Set<String> = [
        "oauth_consumer_key", "oauth_token", "oauth_signature_method", "oauth_signature", "oauth_timestamp", "oauth_nonce", "oauth_version",
    ]

    static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, code: "unauthorized", message: "could not authenticate you: \(message)", challenge: #"OAuth realm="Site Streams""#)
    }

    /// The app whose owner signed `request`; throws 401 otherwise.
    func verify(_ request: SignedRequest, now: Date? = nil) async throws -> SiteApp {
        // The store's clock decides the timestamp window and the nonce's expiry, as every node sees them.
        let now = now ?? store.clock.now()
        if request.hasUnreadableBody {
            throw APIError(
                .unsupportedMediaType, code: "unsupported_media_type",
                message: "a request body must be a form (Content-Type: application/x-www-form-urlencoded)")
        }
        if let name = request.undecodable.first {
            throw APIError.badRequest("invalid_parameter", "\(name): not valid percent-encoding of UTF-8")
        }
        guard let all = request.signedParameters else { throw Self.unauthorized("malformed Authorization header") }
        try APIError.refuseUnknown(
            parameters: all.map(\.0).filter { $0.hasPrefix("oauth_") }, known: Self.protocolParameters)
        func single(_ name: String) throws -> String {
            let values = all.filter { $0.0 == name }.map(\.1)
            guard values.count <= 1, let value = values.first else {
                throw Self.unauthorized(values.isEmpty ? "\(name) is missing" : "\(name) is given more than once")
            }
            guard !value.isEmpty else { throw Self.unauthorized("\(name) is empty") }
            return value
        }
        let consumerKey = try single("oauth_consumer_key")
        let token = try single("oauth_token")
        let signature = try single("oauth_signature")
        guard try single("oauth_signature_method") == "HMAC-SHA1" else { throw Self.unauthorized("only HMAC-SHA1 signatures are accepted") }
        // Optional, but like every protocol parameter, at most once (RFC 5849 §3.1).
        let versions = all.filter { $0.0 == "oauth_version" }.map(\.1)
        if versions.count > 1 { throw Self.unauthorized("oauth_version is given more than once") }
        if let version = versions.first, version != "1.0" { throw Self.unauthorized("oauth_version must be 1.0") }
        // A positive integer of seconds (§3.3): digits only, not a hex, fraction or exponent form.
        let stamp = try single("oauth_timestamp")
        guard stamp.utf8.count <= 12, stamp.allSatisfy({ $0.isASCII && $0.isNumber }), let timestamp = TimeInterval(stamp), timestamp > 0 else {
            throw Self.unauthorized("oauth_timestamp must be a positive whole number of seconds")
        }
        let nonce = try single("oauth_nonce")

        guard let app = try await store.app(consumerKey: consumerKey) else { throw Self.unauthorized("unknown consumer key") }
        guard Self.constantTimeEqual(token, app.accessToken) else {
            throw Self.unauthorized("only the app owner's access token may use Site Streams")
        }
        var scheme = self.scheme
        if trustForwardedProto, let forwarded = request.forwardedProto, forwarded == "http" || forwarded == "https" { scheme = forwarded }
        let base = request.baseString(scheme: scheme, parameters: all)
        let expected = OAuth1Signature.sign(base, consumerSecret: app.consumerSecret, tokenSecret: app.accessTokenSecret)
        guard Self.constantTimeEqual(signature, expected) else { throw Self.unauthorized("invalid signature") }
        do {
            try nonces.admit(consumerKey: consumerKey, token: token, nonce: nonce, timestamp: timestamp, now: now.timeIntervalSince1970)
        } catch .staleTimestamp {
            throw Self.unauthorized("oauth_timestamp is outside the \(Int(nonces.window)) s window; check your clock")
        } catch .reusedNonce {
            throw Self.unauthorized("oauth_nonce was already used")
        }
        // The window above is this node's; the store catches a replay to another node.
        let nonceKey = "oauth-nonce:\(consumerKey):\(token):\(nonce):\(Int64(timestamp))"
        guard try await store.recordOnce(nonceKey, until: Date(timeIntervalSince1970: timestamp + nonces.window), now: now) else {
            throw Self.unauthorized("oauth_nonce was already used")
        }
        return app
    }

    static func split(authority: String) -> (String, Int?) {
        // `[v6]:port`, `host:port` or `host`.
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            let host = String(authority[...close])
            let rest = authority[authority.index(after: close)...]
            return (host, rest.hasPrefix(":") ? Int(rest.dropFirst()) : nil)
        }
        let parts = authority.split(separator: ":", maxSplits: 1)
        return (parts.first.map(String.init) ?? "", parts.count > 1 ? Int(parts[1]) : nil)
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension OAuthVerifier.SignedRequest {
    /// Every parameter the signature covers (RFC 5849 §3.4.1.3): the `Authorization` header's, `realm`
    /// aside, then the query's and the form body's; nil when the header is not a well-formed `OAuth` one.
    var signedParameters: [(String, String)]? {
        var oauth: [(String, String)] = []
        if let authorization, authorization.lowercased().hasPrefix("oauth ") {
            guard let parsed = OAuth1Signature.parseAuthorizationHeader(authorization) else { return nil }
            oauth = parsed.filter { $0.0 != "realm" }
        }
        return oauth + query + form
    }

    /// The signature base string (RFC 5849 §3.4.1) of this request, reached over `scheme`.
    func baseString(scheme: String, parameters: [(String, String)]) -> String {
        let (host, port) = OAuthVerifier.split(authority: authority)
        let uri = OAuth1Signature.baseURI(scheme: scheme, host: host, port: port, path: path)
        return OAuth1Signature.baseString(method: method, uri: uri, parameters: parameters)
    }

    /// A request read from HTTP: query from the target, form parameters from a form body.
    init(head: HTTPRequest, body: ByteBuffer?) {
        let target = head.path ?? "/"
        let path = String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "/")
        var form: [(String, String)] = []
        var undecodable = QueryString.undecodable(QueryString.query(of: target))
        let isForm = head.headerFields[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false
        if let body, body.readableBytes > 0, isForm {
            let encoded = Substring(String(buffer: body))
            form = QueryString.pairs(encoded)
            undecodable += QueryString.undecodable(encoded)
        }
        let hasUnreadableBody = (body?.readableBytes ?? 0) > 0 && !isForm
        self.init(
            method: head.method.rawValue, authority: head.authority ?? "", path: path,
            query: QueryString.pairs(QueryString.query(of: target)), form: form, authorization: head.headerFields[.authorization],
            forwardedProto: head.headerFields[HTTPField.Name("X-Forwarded-Proto")!].map {
                String($0.split(separator: ",").first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            }, hasUnreadableBody: hasUnreadableBody, undecodable: undecodable)
    }
}
