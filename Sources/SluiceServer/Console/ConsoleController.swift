import HTTPTypes
import Hummingbird
import NIOCore

/// The operator console, served by `serve` itself: `/` leads to `/console`, whose page and assets are
/// embedded in the binary (`ConsoleAssets`). The page holds no data: it signs in with the admin token
/// and reads the admin API like any other client (`StatsController`).
struct ConsoleController {
    /// Nothing inline, nothing from elsewhere: the page's own script and style only, requests to this
    /// server only, and images from it (the charts, shown through `blob:` URLs of what it fetched).
    static let securityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    func addRoutes(to router: Router<SluiceRequestContext>) {
        router.get { _, _ in Response(status: .found, headers: [.location: "/console"]) }
        router.get("console") { _, _ in Self.asset(ConsoleAssets.html, type: "text/html; charset=utf-8") }
        router.get("console/console.js") { _, _ in Self.asset(ConsoleAssets.js, type: "text/javascript; charset=utf-8") }
        router.get("console/console.css") { _, _ in Self.asset(ConsoleAssets.css, type: "text/css; charset=utf-8") }
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers: HTTPFields = [.contentType: type, .cacheControl: "no-store"]
        headers[.contentSecurityPolicy] = securityPolicy
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
