import SluiceCore
import Testing

@Suite struct OAuth1SignatureTests {
    /// Twitter's published example ("Creating a signature").
    static let parameters: [(String, String)] = [
        ("status", "Hello Ladies + Gentlemen, a signed OAuth request!"),
        ("include_entities", "true"),
        ("oauth_consumer_key", "xvz1evFS4wEEPTGEFPHBog"),
        ("oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "1318622958"),
        ("oauth_token", "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"),
        ("oauth_version", "1.0"),
    ]

    @Test func twittersPublishedExample() {
        let uri = OAuth1Signature.baseURI(scheme: "HTTPS", host: "api.twitter.com", port: 443, path: "/1/statuses/update.json")
        #expect(uri == "https://api.twitter.com/1/statuses/update.json")
        let base = OAuth1Signature.baseString(method: "post", uri: uri, parameters: Self.parameters)
        #expect(
            base
                == "POST&https%3A%2F%2Fapi.twitter.com%2F1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521"
        )
        let signature = OAuth1Signature.sign(
            base, consumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw", tokenSecret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE")
        #expect(signature == "tnnArxj06cWHq44gCs1OSKk/jLY=")
        #expect(OAuth1Signature.sign(base, consumerSecret: "wrong", tokenSecret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE") != signature)
    }

    @Test func percentEncodingIsRFC3986() {
        #expect(OAuth1Signature.percentEncode("Ladies + Gentlemen") == "Ladies%20%2B%20Gentlemen")
        #expect(OAuth1Signature.percentEncode("a-b.c_d~e") == "a-b.c_d~e")
        #expect(OAuth1Signature.percentEncode("☃") == "%E2%98%83")
        #expect(OAuth1Signature.percentEncode("1,2/3") == "1%2C2%2F3")
    }

    @Test func baseURIKeepsOnlyNonDefaultPorts() {
        #expect(OAuth1Signature.baseURI(scheme: "http", host: "Example.COM", port: 80, path: "/r") == "http://example.com/r")
        #expect(
            OAuth1Signature.baseURI(scheme: "http", host: "127.0.0.1", port: 8080, path: "/1.1/site.json") == "http://127.0.0.1:8080/1.1/site.json")
        #expect(OAuth1Signature.baseURI(scheme: "https", host: "h", port: 443, path: "") == "https://h/")
    }

    @Test func parametersSortByNameThenValueAndSkipSignatureAndRealm() {
        let base = OAuth1Signature.baseString(
            method: "GET", uri: "http://h/p", parameters: [("b", "2"), ("a", "z"), ("a", "y"), ("oauth_signature", "x"), ("realm", "r")])
        #expect(base == "GET&http%3A%2F%2Fh%2Fp&a%3Dy%26a%3Dz%26b%3D2")
    }

    @Test func authorizationHeaderParsing() throws {
        let header =
            #"OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", oauth_nonce="kYjz", oauth_signature="tnnArxj06cWHq44gCs1OSKk%2FjLY%3D", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1318622958", oauth_version="1.0""#
        let parsed = try #require(OAuth1Signature.parseAuthorizationHeader(header))
        #expect(parsed.first { $0.0 == "oauth_signature" }?.1 == "tnnArxj06cWHq44gCs1OSKk/jLY=")
        #expect(parsed.count == 6)
        #expect(OAuth1Signature.parseAuthorizationHeader("Bearer abc") == nil)
    }

    @Test func timestampsAndNonces() {
        let window = OAuth1NonceWindow(window: 300)
        #expect(throws: Never.self) { try window.admit(consumerKey: "c", token: "t", nonce: "n1", timestamp: 1000, now: 1100) }
        #expect(throws: OAuth1NonceWindow.Refusal.reusedNonce) {
            try window.admit(consumerKey: "c", token: "t", nonce: "n1", timestamp: 1000, now: 1100)
        }
        #expect(throws: Never.self) { try window.admit(consumerKey: "other", token: "t", nonce: "n1", timestamp: 1000, now: 1100) }
        #expect(throws: OAuth1NonceWindow.Refusal.staleTimestamp) {
            try window.admit(consumerKey: "c", token: "t", nonce: "n2", timestamp: 1000, now: 1301)
        }
        #expect(throws: OAuth1NonceWindow.Refusal.staleTimestamp) {
            try window.admit(consumerKey: "c", token: "t", nonce: "n3", timestamp: 2000, now: 1100)
        }
    }
}
