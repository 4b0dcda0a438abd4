import Crypto
import Foundation

/// Generation, hashing and comparison of bearer secrets (API keys, stream tokens, admin tokens).
///
/// Secrets are 256 random bits, so a single unsalted SHA-256 is enough to store them: there is nothing
/// to brute-force, and a lookup by hash stays one indexed query.
public enum Secret {
    /// A new random secret with a readable prefix, e.g. `sk_3q2…`; URL-safe base64 without padding.
    public static func generate(prefix: String, bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let raw = (0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix
            + Data(raw).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Hex SHA-256 of the secret: what the store keeps and looks up by.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two secrets in time that depends only on their lengths, not on where they differ.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
