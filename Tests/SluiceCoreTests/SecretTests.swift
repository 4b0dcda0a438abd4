import Foundation
import SluiceCore
import Testing

@Suite struct SecretTests {
    /// 256 random bits, base64url without padding, behind the prefix: decoding gives back 32 bytes, and a
    /// thousand draws never repeat (a generator stuck on one value, or one that drops bytes, fails here).
    @Test func secretsAreLongRandomAndURLSafe() throws {
        let drawn = (0..<1000).map { _ in Secret.generate(prefix: "sk_") }
        #expect(Set(drawn).count == drawn.count)
        for secret in drawn {
            #expect(secret.hasPrefix("sk_"))
            let body = secret.dropFirst(3)
            #expect(body.count == 43, "32 bytes are 43 base64 characters without padding")
            #expect(body.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
            let standard = body.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "="
            #expect(try #require(Data(base64Encoded: standard)).count == 32)
        }
        // Every base64url character turns up somewhere in a thousand secrets, so no bit is stuck.
        #expect(Set(drawn.map { $0.dropFirst(3) }.joined()).isSuperset(of: "-_AZaz09"))
    }

    /// Every length, not only 32 bytes: the last group of 1 or 2 bytes is where a hand-written
    /// encoder goes wrong. Foundation's decoder is the oracle (RFC 4648 section 5, padding restored).
    @Test func secretsOfEveryLengthDecodeToTheirBytes() throws {
        for bytes in 1...13 {
            let body = Secret.generate(prefix: "", bytes: bytes)
            #expect(body.count == (bytes * 8 + 5) / 6)
            let padded =
                body.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
                + String(repeating: "=", count: (4 - body.count % 4) % 4)
            #expect(try #require(Data(base64Encoded: padded)).count == bytes, "\(bytes) bytes as \(body)")
        }
    }

    /// The stored form is hex SHA-256; the oracle is FIPS 180-2's published test vectors, not a second call.
    @Test func hashIsHexSHA256() {
        #expect(Secret.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Secret.hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            Secret.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func constantTimeEquals() {
        #expect(Secret.constantTimeEquals("abc", "abc"))
        #expect(Secret.constantTimeEquals("", ""))
        #expect(!Secret.constantTimeEquals("abc", "abd"))
        #expect(!Secret.constantTimeEquals("abc", "bbc"))
        #expect(!Secret.constantTimeEquals("abc", "abcd"))
        #expect(!Secret.constantTimeEquals("abcd", "abc"))
    }
}
