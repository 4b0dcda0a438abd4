import HTTPTypes
import Hummingbird

extension Request {
    /// The secret of an `Authorization: Bearer …` header, if there is one.
    var bearerCredential: String? {
        guard let value = headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let secret = parts[1].trimmingCharacters(in: .whitespaces)
        return secret.isEmpty ? nil : secret
    }
}
