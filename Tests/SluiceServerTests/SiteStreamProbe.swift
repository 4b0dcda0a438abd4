import AsyncHTTPClient
import Foundation
import NIOCore
import SluiceClient
import SluiceCore
import SluiceTestSupport
import Synchronization

/// A Site Streams app as a test sees it: its owner credentials and a signer.
struct TestSiteApp: Sendable {
    let info: SluiceRESTClient.AppInfo
    let baseURL: String

    var signer: OAuth1Signer {
        OAuth1Signer(
            consumerKey: info.consumerKey, consumerSecret: info.consumerSecret!, token: info.accessToken, tokenSecret: info.accessTokenSecret!)
    }

    enum Placement { case header, query, form }

    /// A signed request to `path` with `parameters`, the OAuth parameters placed as asked.
    func request(
        _ method: String, _ path: String, _ parameters: [(String, String)], placement: Placement = .header, signer: OAuth1Signer? = nil,
        nonce: String = UUID().uuidString, timestamp: Int = Int(Date().timeIntervalSince1970)
    ) -> HTTPClientRequest {
        let url = baseURL + path
        let oauth = (signer ?? self.signer).oauthParameters(method: method, url: url, parameters: parameters, nonce: nonce, timestamp: timestamp)
        var query = placement == .form ? [] : parameters
        var form = placement == .form ? parameters : []
        switch placement {
        case .header: break
        case .query: query += oauth
        case .form: form += oauth
        }
        var request = HTTPClientRequest(url: url + (query.isEmpty ? "" : "?" + OAuth1Signer.formEncode(query)))
        request.method = .init(rawValue: method)
        if placement == .header { request.headers.add(name: "Authorization", value: OAuth1Signer.authorizationHeader(oauth)) }
        if !form.isEmpty {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: OAuth1Signer.formEncode(form)))
        }
        return request
    }

    /// Calls a control endpoint; returns the status and the JSON body.
    func control(_ method: String, _ path: String, _ parameters: [(String, String)]) async throws -> (Int, JSONValue?) {
        let response = try await streamHTTP.execute(request(method, path, parameters), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body)))
    }
}

/// Reads one Site Streams connection in the background.
final class SiteStreamProbe: Sendable {
    let status: Int
    let errorBody: JSONValue?
    let retryAfter: String?
    private let state = Mutex<(raw: [String], ended: Bool, failure: String?)>(([], false, nil))
    private let body: Mutex<HTTPClientResponse.Body?>
    private let reader = Mutex<Task<Void, Never>?>(nil)
    private let lengthPrefixed: Bool

    var raw: [String] { state.withLock { $0.raw } }
    var messages: [JSONValue] { raw.map { (try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8))) ?? .null } }
    var ended: Bool { state.withLock { $0.ended } }
    var failure: String? { state.withLock { $0.failure } }
    var errorCode: String? {
        if case .string(let code)? = errorBody?["error"]?["code"] { return code }
        return nil
    }

    /// The inner messages for `user`, in order, preambles included.
    func messages(for user: Int64) -> [JSONValue] {
        messages.filter { $0["for_user"]?.int == user }.compactMap { $0["message"] }
    }

    /// The control stream path of this connection (from its first message).
    var controlPath: String? {
        if case .string(let uri)? = messages.first?["control"]?["control_uri"] { return uri }
        return nil
    }

    static func open(_ request: HTTPClientRequest, lengthPrefixed: Bool = false, read: Bool = true) async throws -> SiteStreamProbe {
        let response = try await streamHTTP.execute(request, deadline: .distantFuture)
        var errorBody: JSONValue?
        var body: HTTPClientResponse.Body?
        if response.status == .ok {
            body = response.body
        } else {
            errorBody = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: try await response.body.collect(upTo: 1 << 20)))
        }
        let probe = SiteStreamProbe(
            status: Int(response.status.code), errorBody: errorBody, retryAfter: response.headers.first(name: "Retry-After"), body: body,
            lengthPrefixed: lengthPrefixed)
        if read { probe.startReading() }
        return probe
    }

    private init(status: Int, errorBody: JSONValue?, retryAfter: String?, body: HTTPClientResponse.Body?, lengthPrefixed: Bool) {
        self.status = status
        self.errorBody = errorBody
        self.retryAfter = retryAfter
        self.body = Mutex(body)
        self.lengthPrefixed = lengthPrefixed
    }

    func startReading() {
        guard
            let body = self.body.withLock({ body in
                defer { body = nil }
                return body
            })
        else { return }
        let lengthPrefixed = self.lengthPrefixed
        let task = Task {
            var parser = DelimitedParser(lengthPrefixed: lengthPrefixed)
            do {
                for try await chunk in body {
                    let messages = try parser.feed(chunk.readableBytesView)
                    if !messages.isEmpty { state.withLock { $0.raw += messages } }
                }
            } catch  where !Task.isCancelled {
                state.withLock { $0.failure = String(describing: error) }
            } catch {}
            state.withLock { $0.ended = true }
        }
        reader.withLock { $0 = task }
    }

    func wait(_ what: String, timeout: Duration = .seconds(30), until condition: @escaping @Sendable (SiteStreamProbe) -> Bool) async throws {
        if status != 200 { throw StreamEnded(what: what, failure: "the stream was refused: \(status) \(errorCode ?? "")") }
        try await waitForStream(timeout: timeout, what, ended: { self.ended }, failure: { self.failure }) { condition(self) }
    }

    func close() {
        reader.withLock { $0?.cancel() }
    }

    deinit {
        reader.withLock { $0?.cancel() }
    }
}
