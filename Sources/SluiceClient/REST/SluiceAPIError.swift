/// An error answer from a Sluice server: its HTTP status and the `{"error": {"code", "message"}}` body.
public struct SluiceAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String
    public var index: Int?
    public var retryAfterSeconds: Int?

    public init(status: Int, code: String, message: String, index: Int? = nil, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.index = index
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(status) \(code): \(message)" }
}
