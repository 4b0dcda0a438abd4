import SluiceCore
import Testing

@Suite struct SecretTests {
    @Test func secretsAreLongRandomAndURLSafe() {
        let a = Secret.generate(prefix: "sk_"), b = Secret.generate(prefix: "sk_")
        #expect(a != b)
        #expect(a.hasPrefix("sk_"))
        #expect(a.count >= 3 + 43)  // 256 bits in base64url
        #expect(a.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
    }

    @Test func hashIsStableHexAndDoesNotContainTheSecret() {
        let secret = "sk_example"
        #expect(Secret.hash(secret) == Secret.hash(secret))
        #expect(Secret.hash(secret).count == 64)
        #expect(!Secret.hash(secret).contains("example"))
    }

    @Test func constantTimeEquals() {
        #expect(Secret.constantTimeEquals("abc", "abc"))
        #expect(!Secret.constantTimeEquals("abc", "abd"))
        #expect(!Secret.constantTimeEquals("abc", "abcd"))
    }
}
