// OAuth 1.0a: `OAuth1Signature.parseAuthorizationHeader`, and the signature base string built from
// what it parsed (`baseURI`, `baseString`, `percentEncode`, `sign`).
//
// The input is used twice:
// 1. As an `Authorization` header. Properties: every name and value percent-encodes to unreserved
//    characters and upper-case `%XX` only, and decodes back; the header written again the way the SDK
//    writes it (`OAuth1Signer.authorizationHeader`) parses to the same parameters; the base string is
//    `METHOD&enc(uri)&enc(params)`, with the parameters sorted, `oauth_signature` and `realm` left
//    out, and does not depend on their order.
// 2. As a request, one field per line: method, path, then `name=value` parameters. The SDK signs it
//    (`OAuth1Signer`), and the server's check (as `OAuthVerifier.verify` does it: header parsed, query
//    decoded from the target, base URI from the raw path) must find the same signature.

import Foundation
import FuzzSupport
import SluiceClient
import SluiceCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    checkHeader(input)
    checkSignerAgainstVerifier(input)
    return 0
}

private let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
private let upperHex = Set("0123456789ABCDEF".utf8)

/// `encoded` holds only unreserved characters and `%XX` with upper-case hex digits.
private func isPercentEncoded(_ encoded: String) -> Bool {
    let bytes = Array(encoded.utf8)
    var i = 0
    while i < bytes.count {
        if unreserved.contains(bytes[i]) {
            i += 1
        } else if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count + 0, upperHex.contains(bytes[i + 1]), upperHex.contains(bytes[i + 2]) {
            i += 3
        } else {
            return false
        }
    }
    return true
}

private func checkEncoding(_ s: String) {
    let encoded = OAuth1Signature.percentEncode(s)
    require(isPercentEncoded(encoded), "percentEncode(\(escaped(s))) = \(escaped(encoded))")
    require(
        encoded.removingPercentEncoding.map { sameScalars($0, s) } ?? false,
        "percentEncode(\(escaped(s))) = \(escaped(encoded)) does not decode back")
}

private func checkHeader(_ header: String) {
    guard let parameters = OAuth1Signature.parseAuthorizationHeader(header) else { return }
    for (name, value) in parameters {
        checkEncoding(name)
        checkEncoding(value)
    }
    if !parameters.isEmpty {
        let written = OAuth1Signer.authorizationHeader(parameters)
        let reparsed = OAuth1Signature.parseAuthorizationHeader(written)
        require(
            reparsed.map { same($0, parameters) } ?? false,
            "header \(escaped(written)) parses to \(reparsed.map(describe) ?? "nil"), not \(describe(parameters))")
    }

    // The base URI from parsed values (a server takes host and path from the request; here any text).
    let values = parameters.map(\.1)
    let scheme = values.first ?? "https"
    let host = values.dropFirst().first ?? "stream.example.com"
    let port = values.dropFirst(2).first.flatMap { Int($0) }
    let path = values.dropFirst(3).first ?? "/1.1/site.json"
    let uri = OAuth1Signature.baseURI(scheme: scheme, host: host, port: port, path: path)
    require(uri.hasPrefix(scheme.lowercased() + "://"), "base URI \(escaped(uri)) for scheme \(escaped(scheme))")

    for method in ["GET", "post"] {
        let base = OAuth1Signature.baseString(method: method, uri: uri, parameters: parameters)
        let prefix = method.uppercased() + "&" + OAuth1Signature.percentEncode(uri) + "&"
        require(base.hasPrefix(prefix), "base string \(escaped(base)) does not start with \(escaped(prefix))")
        let tail = String(base.dropFirst(prefix.count))
        require(isPercentEncoded(tail), "base string parameters \(escaped(tail)) are not encoded")
        let normalized = tail.removingPercentEncoding ?? ""
        let pairs = normalized.isEmpty ? [] : normalized.split(separator: "&", omittingEmptySubsequences: false).map(String.init)
        let expected = parameters.filter { $0.0 != "oauth_signature" && $0.0 != "realm" }
        require(pairs.count == expected.count, "\(pairs.count) pairs in the base string for \(expected.count) parameters")
        var previous: (String, String)?
        for pair in pairs {
            let parts = pair.split(separator: "=", omittingEmptySubsequences: false).map(String.init)
            require(parts.count == 2 && isPercentEncoded(parts[0]) && isPercentEncoded(parts[1]), "base string pair \(escaped(pair))")
            if let previous {
                require(
                    previous.0 < parts[0] || (previous.0 == parts[0] && previous.1 <= parts[1]),
                    "base string parameters are not sorted by name, then value: \(escaped(normalized))")
            }
            previous = (parts[0], parts[1])
        }
        let reversed = OAuth1Signature.baseString(method: method, uri: uri, parameters: parameters.reversed())
        require(reversed == base, "the base string depends on the parameters' order")
        if method == "GET" {
            let signature = OAuth1Signature.sign(base, consumerSecret: values.first ?? "", tokenSecret: values.last ?? "")
            require(Data(base64Encoded: signature)?.count == 20, "signature \(signature) is not a base64 SHA-1")
        }
    }
}

private func same(_ a: [(String, String)], _ b: [(String, String)]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { sameScalars($0.0, $1.0) && sameScalars($0.1, $1.1) }
}

private func describe(_ parameters: [(String, String)]) -> String {
    "[" + parameters.map { "\(escaped($0.0))=\(escaped($0.1))" }.joined(separator: ", ") + "]"
}

/// HTTP method tokens (RFC 9110 tchar).
private let tchar = Set("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
/// What a URL path may hold unencoded (RFC 3986 pchar and `/`), besides `%XX`.
private let pathChars = unreserved.union("!$&'()*+,;=:@/".utf8)

private func isValidPath(_ path: String) -> Bool {
    let bytes = Array(path.utf8)
    guard bytes.first == UInt8(ascii: "/") else { return false }
    let hex = upperHex.union("abcdef".utf8)
    var i = 0
    while i < bytes.count {
        if pathChars.contains(bytes[i]) {
            i += 1
        } else if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, hex.contains(bytes[i + 1]), hex.contains(bytes[i + 2]) {
            i += 3
        } else {
            return false
        }
    }
    return true
}

private let consumerSecret = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
private let tokenSecret = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"

private func checkSignerAgainstVerifier(_ input: String) {
    var lines = input.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard lines.count >= 2 else { return }
    let method = lines.removeFirst()
    let path = lines.removeFirst()
    // Only requests a client could send: a method token, and a valid URL path (an invalid one is the caller's error).
    guard !method.isEmpty, method.utf8.allSatisfy(tchar.contains), isValidPath(path) else { return }
    let parameters = lines.map { line -> (String, String) in
        let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
    }

    // The SDK's side.
    let signer = OAuth1Signer(
        consumerKey: "xvz1evFS4wEEPTGEFPHBog", consumerSecret: consumerSecret,
        token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", tokenSecret: tokenSecret)
    let oauth = signer.oauthParameters(
        method: method, url: "https://stream.example.com:8443" + path, parameters: parameters,
        nonce: "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", timestamp: 1_318_622_958)
    let header = OAuth1Signer.authorizationHeader(oauth)
    let target = path + (parameters.isEmpty ? "" : "?" + OAuth1Signer.formEncode(parameters))

    // The server's side, as OAuthVerifier does it.
    guard let parsed = OAuth1Signature.parseAuthorizationHeader(header) else {
        require(false, "the server cannot parse the SDK's header \(escaped(header))")
        return
    }
    let query = QueryString.pairs(QueryString.query(of: target))
    require(same(query, parameters), "query \(escaped(target)) decodes to \(describe(query)), not \(describe(parameters))")
    let all = parsed.filter { $0.0 != "realm" } + query
    let signatures = all.filter { $0.0 == "oauth_signature" }.map(\.1)
    let serverPath = String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "/")
    let uri = OAuth1Signature.baseURI(scheme: "https", host: "stream.example.com", port: 8443, path: serverPath)
    let base = OAuth1Signature.baseString(method: method, uri: uri, parameters: all)
    let expected = OAuth1Signature.sign(base, consumerSecret: consumerSecret, tokenSecret: tokenSecret)
    require(
        signatures.contains(expected),
        "the server's signature \(expected) (base \(escaped(base))) is not the SDK's \(signatures) for \(escaped(method)) \(escaped(target))")
}
