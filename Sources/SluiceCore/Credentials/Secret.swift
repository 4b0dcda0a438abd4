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
        // RFC 4648's URL-safe alphabet (section 5), written directly: Foundation's encoder and three
        // replacements were a visible share of a connect's CPU.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var encoded: [UInt8] = []
        encoded.reserveCapacity((bytes * 4 + 2) / 3)
        var index = 0
        while index < raw.count {
            let chunk = raw[index..<min(index + 3, raw.count)]
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * $1.offset) }
            for sextet in 0...chunk.count { encoded.append(alphabet[Int(value >> (18 - 6 * sextet) & 63)]) }
            index += 3
        }
        return prefix + String(decoding: encoded, as: UTF8.self)
    }

    /// Hex SHA-256 of the secret: what the store keeps and looks up by.
    public static func hash(_ secret: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(SHA256.byteCount * 2)
        for byte in SHA256.hash(data: Array(secret.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 15)])
        }
        return String(decoding: hex, as: UTF8.self)
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
