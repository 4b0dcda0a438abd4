import HTTPTypes
import NIOCore
import NIOHTTPTypes
import SluiceCore

/// What one connection's stream handler does, decided without a channel: which requests are streams,
/// when a stream request is checked (after the answers to requests ahead of it), when it opens, how it
/// ends on a half-close or a graceful shutdown. `StreamChannelHandler` feeds it what happens on the
/// connection and carries out the `Action` it returns, as SwiftNIO's own handlers do with theirs.
struct StreamConnectionStateMachine {
    private enum State {
        /// Between requests.
        case idle
        /// A request for Hummingbird: its parts are passed on.
        case passing
        /// A stream request whose head arrived; reading its body.
        case receiving(any StreamEndpoint, HTTPRequest, ByteBuffer)
        /// A whole stream request, pipelined behind requests Hummingbird has not answered yet: it waits
        /// its turn, so that answers go out in the order of the requests.
        case waiting(any StreamEndpoint, StreamRequest)
        /// A refusal waiting its turn the same way (nothing more is read).
        case refusing(APIError)
        /// Checking the request (async).
        case admitting
        case streaming
        case closed
    }

    /// What the handler must do.
    enum Action {
        case none
        /// Pass the inbound part on to Hummingbird.
        case forward
        /// Check the request with its endpoint (asynchronously), then report with `admitted(_:)`.
        case admit(StreamRequest, any StreamEndpoint)
        /// Open the admitted stream, then report with `opened()`.
        case open(any StreamAdmission)
        /// Give back what the admission holds: the client left while it was checked.
        case abandon(any StreamAdmission)
        /// Give back what the admission holds, and answer with the error.
        case abandonAndRespond(any StreamAdmission, APIError)
        /// Answer with the error and close the connection (cancelling a check under way, if any).
        case respond(APIError)
        /// Graceful shutdown of an open stream: it says why, then ends.
        case quiesceStream
        /// End everything the stream holds and close the connection.
        case finishAndClose
    }

    private var state = State.idle
    private let endpoints: [any StreamEndpoint]
    /// Requests passed on to Hummingbird whose answers have not ended yet (the main port has no
    /// pipelining handler of its own: a stream request's answer waits for theirs).
    private var unansweredPassed = 0
    /// The client half-closed the connection (it sent everything and will send no more): a stream
    /// request being checked still gets its refusal, but no stream opens for a client that left.
    private var clientHalfClosed = false

    init(endpoints: [any StreamEndpoint]) {
        self.endpoints = endpoints
    }

    /// Whether a stream is open on the connection.
    var isStreaming: Bool {
        if case .streaming = state { return true }
        return false
    }

    static let shuttingDown = APIError(
        .serviceUnavailable, code: "shutting_down", message: "the server is shutting down; reconnect (to another node, or here once it is back)",
        retryAfterSeconds: 1)
    static let halfClosed = APIError.badRequest(
        "bad_request", "the client closed its side of the connection before the stream opened; a stream needs it open both ways")

    // MARK: - Inbound

    mutating func received(_ part: HTTPRequestPart) -> Action {
        switch (state, part) {
        case (.idle, .head(let head)):
            guard let endpoint = endpoint(for: head) else {
                state = .passing
                unansweredPassed += 1
                return .forward
            }
            if let refusal = endpoint.refusal(beforeBody: head) { return refuse(refusal) }
            state = .receiving(endpoint, head, ByteBuffer())
            return .none
        case (.passing, .end):
            state = .idle
            return .forward
        case (.passing, _):
            return .forward
        case (.receiving(let endpoint, let head, var body), .body(var chunk)):
            guard body.readableBytes + chunk.readableBytes <= StreamRequest.maxBodyBytes else { return refuse(StreamRequest.bodyTooLarge) }
            body.writeBuffer(&chunk)
            state = .receiving(endpoint, head, body)
            return .none
        case (.receiving(let endpoint, let head, let body), .end):
            let request = StreamRequest(head: head, body: body)
            if unansweredPassed > 0 {
                state = .waiting(endpoint, request)
                return .none
            }
            state = .admitting
            return .admit(request, endpoint)
        default:
            // Anything after a stream request began: ignored.
            return .none
        }
    }

    private func endpoint(for head: HTTPRequest) -> (any StreamEndpoint)? {
        guard let path = head.path else { return nil }
        let route = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return endpoints.first { $0.serves(route) }
    }

    /// Refuses now, or in its turn behind the answers still owed.
    private mutating func refuse(_ error: APIError) -> Action {
        if unansweredPassed > 0 {
            state = .refusing(error)
            return .none
        }
        state = .closed
        return .respond(error)
    }

    /// Hummingbird finished an answer (its `.end` went out).
    mutating func passedAnswerEnded() -> Action {
        guard unansweredPassed > 0 else { return .none }
        unansweredPassed -= 1
        guard unansweredPassed == 0 else { return .none }
        switch state {
        case .waiting(let endpoint, let request):
            state = .admitting
            return .admit(request, endpoint)
        case .refusing(let refusal):
            state = .closed
            return .respond(refusal)
        default:
            return .none
        }
    }

    // MARK: - Admission

    mutating func admitted(_ result: Result<any StreamAdmission, APIError>) -> Action {
        guard case .admitting = state else {
            // The client left while it was checked.
            if case .success(let admission) = result { return .abandon(admission) }
            return .none
        }
        switch result {
        case .failure(let error):
            state = .closed
            return .respond(error)
        case .success(let admission) where clientHalfClosed:
            // Admitted for a client that has since closed its side (or left): a stream's end is how the
            // server learns its client left, so none opens; the place and the token go back, and the
            // client, if it is still reading, learns why.
            state = .closed
            return .abandonAndRespond(admission, Self.halfClosed)
        case .success(let admission):
            state = .streaming
            return .open(admission)
        }
    }

    // MARK: - Ending

    /// The client half-closed the connection.
    mutating func inputClosed() -> Action? {
        switch state {
        case .admitting, .waiting, .refusing:
            // The request is whole: it is still answered (a refusal), and a stream never opens.
            clientHalfClosed = true
            return Action.none
        case .receiving, .streaming:
            // A request cut short, or a stream whose client left: nothing more to say.
            state = .closed
            return .finishAndClose
        case .idle, .passing, .closed:
            // Not the handler's: passed on.
            return nil
        }
    }

    /// Graceful shutdown began. Nil: not the handler's, passed on.
    mutating func quiesce() -> Action? {
        switch state {
        case .streaming:
            // Say why, then close (the drain closes the connection).
            return .quiesceStream
        case .refusing where unansweredPassed > 0:
            return Action.none
        case .refusing(let refusal):
            state = .closed
            return .respond(refusal)
        case .receiving, .waiting:
            // A stream request caught by the shutdown is answered, so that its client knows to retry;
            // in its turn, after the answers to requests ahead of it.
            return refuse(Self.shuttingDown)
        case .admitting:
            state = .closed
            return .respond(Self.shuttingDown)
        case .idle, .passing, .closed:
            return nil
        }
    }

    /// The connection is gone (or the handler removed): whatever was under way ends.
    mutating func connectionEnded() {
        if case .passing = state { return }
        state = .closed
    }
}
