import Hummingbird
import SluiceCore

/// The request context of every Sluice route: Hummingbird's core storage plus the authenticated key.
public struct SluiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `APIKeyMiddleware` once the bearer key is verified.
    public var apiKey: APIKey?

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }
}
