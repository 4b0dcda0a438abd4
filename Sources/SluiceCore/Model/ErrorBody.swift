/// The body of every error Sluice answers with: `{"error": {"code": …, "message": …, "index": …}}`.
public struct ErrorBody: Codable, Sendable, Equatable {
    public struct Detail: Codable, Sendable, Equatable {
        /// Stable, for programs to switch on.
        public var code: String
        /// For people.
        public var message: String
        /// The offending event's position, for batch errors.
        public var index: Int?

        public init(code: String, message: String, index: Int? = nil) {
            self.code = code
            self.message = message
            self.index = index
        }
    }

    public var error: Detail

    public init(code: String, message: String, index: Int? = nil) {
        error = Detail(code: code, message: message, index: index)
    }
}
