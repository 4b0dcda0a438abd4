import SluiceClient
import SluiceCore
import Testing

@Suite struct OAuth1SignerTests {
    /// Found by fuzzing (Fuzz/Regressions/FuzzOAuth): the SDK signs the path as it sends it, escapes
    /// included, which is the path the server reads and signs; it used to sign the decoded path.
    @Test func signsThePathAsSent() {
        let signer = OAuth1Signer(consumerKey: "ck", consumerSecret: "cs", token: "t", tokenSecret: "ts")
        let oauth = signer.oauthParameters(
            method: "GET", url: "http://example.com:8080/1.1/site.json;v=1/%7Euser", parameters: [("delimited", "length")], nonce: "n", timestamp: 1)
        let unsigned = oauth.filter { $0.0 != "oauth_signature" }
        let uri = OAuth1Signature.baseURI(scheme: "http", host: "example.com", port: 8080, path: "/1.1/site.json;v=1/%7Euser")
        let expected = OAuth1Signature.sign(
            OAuth1Signature.baseString(method: "GET", uri: uri, parameters: unsigned + [("delimited", "length")]), consumerSecret: "cs",
            tokenSecret: "ts")
        #expect(oauth.first { $0.0 == "oauth_signature" }?.1 == expected)
    }
}
