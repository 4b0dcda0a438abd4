import AsyncHTTPClient
import Foundation
import NIOSSL
import SluiceClient
import SluiceCore
import SluiceTestSupport
import Testing

/// `serve --tls-cert --tls-key`: HTTPS on the main port and on the stream port, with a certificate
/// the test makes.
@Suite struct TLSTests {
    func makeCertificate() throws -> (certificate: String, key: String) {
        let dir = URL(fileURLWithPath: Fixtures.temporaryDatabasePath()).deletingLastPathComponent()
        let certificate = dir.appendingPathComponent("cert.pem").path, key = dir.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        #expect(openssl.terminationStatus == 0, "openssl made the certificate")
        return (certificate, key)
    }

    @Test func restAndStreamsAreServedOverHTTPS() async throws {
        let (certificate, key) = try makeCertificate()
        let server = try await SluiceProcess.serve([
            "--store", "sqlite:\(Fixtures.temporaryDatabasePath())", "--admin-token", "a", "--tls-cert", certificate, "--tls-key", key,
            "--stream-port", "0", "--log-level", "warning",
            // Far beyond the test's bound below: a close within it is the TLS handshake failing, not the
            // deadline for a request head.
            "--head-timeout", "120",
        ])
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate))
        let https = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            let base = "https://127.0.0.1:\(server.port)"
            let key = try await SluiceRESTClient(baseURL: base, credential: "a", http: https).createKey(
                name: "k", scopes: ["stream", "ingest", "read"]
            ).key!
            let client = SluiceRESTClient(baseURL: base, credential: key, http: https)
            _ = try await client.publish([.userUpdate(Fixtures.user(1))])

            let main = try await StreamProbe.open("\(base)/sse/private?token=\(try await client.streamToken())&keywords=tls", http: https)
            let dedicated = try await StreamProbe.open(
                "https://127.0.0.1:\(try #require(server.streamPort))/sse/private?token=\(try await client.streamToken())&keywords=tls", http: https)
            try await main.connected()
            try await dedicated.connected()
            _ = try await client.publish([.tweet(Fixtures.tweet(5, by: Fixtures.user(1), text: "over tls"))])
            try await main.wait("the tweet on the main port") { $0.tweetIDs == ["5"] }
            try await dedicated.wait("the tweet on the stream port") { $0.tweetIDs == ["5"] }

            // Plain HTTP is not served on a TLS port: the server ends the handshake that never came and closes
            // the connection, promptly, without an HTTP answer (a server that hangs, or that answers in the
            // clear, fails here).
            for port in [server.port, try #require(server.streamPort)] {
                let plain = try RawConnection(port: port)
                plain.send("GET /v1/events?after=0&limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(key)\r\n\r\n")
                let answer = plain.readUntilClosed(timeout: .seconds(30))
                #expect(answer.closed, "the server closed the plain-text connection on port \(port), long before its head deadline")
                #expect(!answer.text.hasPrefix("HTTP/"), "no plain-text HTTP answer on port \(port): \(answer.text.prefix(40))")
            }
            main.close()
            dedicated.close()
        } catch {
            try? await https.shutdown()
            throw error
        }
        try await https.shutdown()
        server.signal(SIGTERM)
        try await server.waitForExit()
    }
}
