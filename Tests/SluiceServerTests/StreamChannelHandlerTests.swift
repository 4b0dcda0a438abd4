import Foundation
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import SluiceCore
import Synchronization
import Testing

@testable import SluiceServer

/// `StreamChannelHandler` on a channel without a socket (`NIOAsyncTestingChannel`), with an endpoint
/// whose admissions the test answers: the orderings a socket makes hard to reach on purpose.
@Suite struct StreamChannelHandlerTests {
    /// An endpoint serving `/stream`, whose every admission waits until the test answers it. A request
    /// whose path contains `refuse` is refused on its head alone.
    final class HeldEndpoint: StreamEndpoint {
        private let waiting = Mutex<[CheckedContinuation<Result<any StreamAdmission, APIError>, Never>]>([])

        init() {}

        func serves(_ path: Substring) -> Bool { path == "/stream" || path == "/stream/refuse" }

        func refusal(beforeBody head: HTTPRequest) -> APIError? {
            head.path?.contains("refuse") == true ? APIError(.unauthorized, code: "unauthorized", message: "no") : nil
        }

        func admit(_ request: StreamRequest) async -> Result<any StreamAdmission, APIError> {
            await withCheckedContinuation { continuation in
                waiting.withLock { $0.append(continuation) }
            }
        }

        /// Answers the oldest admission under way.
        func answer(_ result: Result<any StreamAdmission, APIError>) {
            waiting.withLock { $0.removeFirst() }.resume(returning: result)
        }

        /// Waits until an admission is under way.
        func waitForAdmission() async throws {
            try await StreamChannelHandlerTests.waitUntil("an admission under way") { waiting.withLock { !$0.isEmpty } }
        }
    }

    /// An admitted stream that records what became of it; its outbox is the test's to fill.
    final class RecordingAdmission: StreamAdmission {
        struct Record { var opened = false, abandoned = false, finished = false, outbox: Outbox? }
        let record = Mutex(Record())

        func open(wake: @escaping @Sendable () -> Void) -> OpenStream {
            let outbox = Outbox(limit: 1 << 20, wake: wake)
            record.withLock {
                $0.opened = true
                $0.outbox = outbox
            }
            return OpenStream(
                head: .stream(contentType: "text/plain"), outbox: outbox,
                quiesce: { outbox.close(.shutdown, farewell: ByteBuffer(string: "bye\n")) },
                finish: { self.record.withLock { $0.finished = true } }, run: nil)
        }

        func abandon() { record.withLock { $0.abandoned = true } }

        var state: Record { record.withLock { $0 } }
    }

    static func channel(_ endpoint: HeldEndpoint) async throws -> NIOAsyncTestingChannel {
        try await NIOAsyncTestingChannel { channel in
            try channel.pipeline.syncOperations.addHandler(StreamChannelHandler(endpoints: [endpoint]))
        }
    }

    static func request(_ path: String, method: HTTPRequest.Method = .get) -> HTTPRequestPart {
        .head(HTTPRequest(method: method, scheme: nil, authority: "sluice.test", path: path))
    }

    /// The next response part written (as it is written: a close discards what was not read); fails
    /// after 10 s without one, closing the channel to end the wait.
    static func nextPart(_ channel: NIOAsyncTestingChannel) async throws -> HTTPResponsePart {
        let part = try await withThrowingTaskGroup(of: HTTPResponsePart?.self) { group in
            group.addTask { try await channel.waitForOutboundWrite(as: HTTPResponsePart.self) }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                try? await channel.close()
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let part else { throw WaitFailed(what: "a response part") }
        return part
    }

    /// Waits until the handler closed the connection; fails after 10 s.
    static func waitForClose(_ channel: NIOAsyncTestingChannel) async throws {
        try await waitUntil("the connection closed") { !channel.isActive }
    }

    static func body(_ part: HTTPResponsePart) -> String? {
        if case .body(let buffer) = part { return String(buffer: buffer) }
        return nil
    }

    static func status(_ part: HTTPResponsePart) -> HTTPResponse.Status? {
        if case .head(let head) = part { return head.status }
        return nil
    }

    /// Waits until `condition` holds, failing after 10 s.
    static func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw WaitFailed(what: what) }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    struct WaitFailed: Error { var what: String }

    /// Opens a stream: the request, its admission answered with `admission`, the head read.
    static func openStream(_ channel: NIOAsyncTestingChannel, _ endpoint: HeldEndpoint, _ admission: RecordingAdmission) async throws {
        try await channel.writeInbound(request("/stream"))
        try await channel.writeInbound(HTTPRequestPart.end(nil))
        try await endpoint.waitForAdmission()
        endpoint.answer(.success(admission))
        #expect(status(try await nextPart(channel)) == .ok)
    }

    @Test func anAdmissionThatEndsAfterTheClientLeftIsAbandonedNotOpened() async throws {
        let endpoint = HeldEndpoint()
        let channel = try await Self.channel(endpoint)
        try await channel.writeInbound(Self.request("/stream"))
        try await channel.writeInbound(HTTPRequestPart.end(nil))
        try await endpoint.waitForAdmission()
        // The connection goes while the request is being checked; then the check admits it.
        try await channel.close()
        let admission = RecordingAdmission()
        endpoint.answer(.success(admission))
        try await Self.waitUntil("the admission abandoned") { admission.state.abandoned }
        #expect(!admission.state.opened, "no stream opens for a client that left")
    }

    @Test func gracefulShutdownMidStreamSaysWhyThenEndsTheStream() async throws {
        let endpoint = HeldEndpoint()
        let channel = try await Self.channel(endpoint)
        let admission = RecordingAdmission()
        try await Self.openStream(channel, endpoint, admission)
        _ = admission.state.outbox?.push(ByteBuffer(string: "frame 1\n"))
        #expect(Self.body(try await Self.nextPart(channel)) == "frame 1\n")

        try await channel.testingEventLoop.executeInContext {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        #expect(Self.body(try await Self.nextPart(channel)) == "bye\n", "the farewell comes before the end")
        guard case .end = try await Self.nextPart(channel) else {
            Issue.record("the body must end after the farewell")
            return
        }
        try await Self.waitForClose(channel)
        #expect(admission.state.finished, "the stream released what it held")
    }

    @Test func nothingIsWrittenWhileTheSocketIsNotWritableAndAllIsOnceItIs() async throws {
        let endpoint = HeldEndpoint()
        let channel = try await Self.channel(endpoint)
        let admission = RecordingAdmission()
        try await Self.openStream(channel, endpoint, admission)
        channel.isWritable = false
        try await channel.testingEventLoop.executeInContext { channel.pipeline.fireChannelWritabilityChanged() }
        _ = admission.state.outbox?.push(ByteBuffer(string: "a\n"))
        _ = admission.state.outbox?.push(ByteBuffer(string: "b\n"))
        // The wake ran (the outbox is drained on the loop): the frames must still be queued, unwritten.
        try await channel.testingEventLoop.executeInContext {}
        #expect(try await channel.readOutbound(as: HTTPResponsePart.self) == nil)
        #expect(admission.state.outbox?.queuedBytes == 4)

        channel.isWritable = true
        try await channel.testingEventLoop.executeInContext { channel.pipeline.fireChannelWritabilityChanged() }
        #expect(Self.body(try await Self.nextPart(channel)) == "a\n")
        #expect(Self.body(try await Self.nextPart(channel)) == "b\n")
        #expect(admission.state.outbox?.queuedBytes == 0)
    }

    @Test func anOversizedStreamRequestIsRefusedWith413AndNeverChecked() async throws {
        let endpoint = HeldEndpoint()
        let channel = try await Self.channel(endpoint)
        try await channel.writeInbound(Self.request("/stream", method: .post))
        try await channel.writeInbound(HTTPRequestPart.body(ByteBuffer(repeating: UInt8(ascii: "a"), count: StreamRequest.maxBodyBytes)))
        try await channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "b")))
        guard case .head(let head) = try await Self.nextPart(channel) else {
            Issue.record("expected a response head")
            return
        }
        #expect(head.status == .contentTooLarge)
        #expect(head.headerFields[.connection] == "close")
        #expect(Self.body(try await Self.nextPart(channel))?.contains(#""code":"body_too_large""#) == true)
        try await Self.waitForClose(channel)
    }

    @Test func aClientThatHalfClosesWhileItsRequestIsCheckedGetsItsAnswerAndNoStream() async throws {
        let endpoint = HeldEndpoint()
        let channel = try await Self.channel(endpoint)
        try await channel.writeInbound(Self.request("/stream"))
        try await channel.writeInbound(HTTPRequestPart.end(nil))
        try await endpoint.waitForAdmission()
        try await channel.testingEventLoop.executeInContext {
            channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
        let admission = RecordingAdmission()
        endpoint.answer(.success(admission))
        #expect(Self.status(try await Self.nextPart(channel)) == .badRequest)
        #expect(Self.body(try await Self.nextPart(channel))?.contains("closed its side") == true)
        try await Self.waitForClose(channel)
        #expect(admission.state.abandoned && !admission.state.opened)
    }

    @Test func otherRequestsPassThroughAndAStreamRequestBehindThemWaitsForTheirAnswers() async throws {
        let endpoint = HeldEndpoint()
        let channel = try await Self.channel(endpoint)
        try await channel.writeInbound(Self.request("/v1/events"))
        try await channel.writeInbound(HTTPRequestPart.end(nil))
        guard case .head(let passed)? = try await channel.readInbound(as: HTTPRequestPart.self) else {
            Issue.record("the REST request must reach the next handler")
            return
        }
        #expect(passed.path == "/v1/events")
        // A refused stream request pipelined behind it is answered only after the REST answer ends.
        try await channel.writeInbound(Self.request("/stream/refuse"))
        try await channel.writeInbound(HTTPRequestPart.end(nil))
        #expect(try await channel.readOutbound(as: HTTPResponsePart.self) == nil)
        try await channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try await channel.writeOutbound(HTTPResponsePart.end(nil))
        #expect(Self.status(try await Self.nextPart(channel)) == .ok)
        guard case .end = try await Self.nextPart(channel) else {
            Issue.record("the REST answer goes out whole first")
            return
        }
        #expect(Self.status(try await Self.nextPart(channel)) == .unauthorized)
    }

    // MARK: - The main port's handoff (`StreamingHTTP1Channel`)

    typealias Decision = EventLoopFuture<NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>?>

    /// A channel whose handler settles the connection's handoff, and the decision it will settle.
    static func handingOff(_ endpoint: HeldEndpoint) async throws -> (NIOAsyncTestingChannel, Decision) {
        let decision = Mutex<Decision?>(nil)
        let channel = try await NIOAsyncTestingChannel { channel in
            let promise = channel.eventLoop.makePromise(of: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>?.self)
            decision.withLock { $0 = promise.futureResult }
            try channel.pipeline.syncOperations.addHandler(StreamChannelHandler(endpoints: [endpoint], handoff: ConnectionHandoff(promise)))
        }
        return (channel, try #require(decision.withLock { $0 }))
    }

    /// A connection whose first request is a stream never gets Hummingbird: the decision is nil (its
    /// task ends), and the stream is served all the same.
    @Test func aFirstStreamRequestKeepsTheConnectionFromHummingbird() async throws {
        let endpoint = HeldEndpoint()
        let (channel, decision) = try await Self.handingOff(endpoint)
        try await channel.writeInbound(Self.request("/stream"))
        #expect(try await decision.get() == nil)
        try await channel.writeInbound(HTTPRequestPart.end(nil))
        try await endpoint.waitForAdmission()
        let admission = RecordingAdmission()
        endpoint.answer(.success(admission))
        #expect(Self.status(try await Self.nextPart(channel)) == .ok)
        #expect(admission.state.opened)
        #expect(try await channel.readInbound(as: HTTPRequestPart.self) == nil, "nothing reaches Hummingbird's side")
    }

    /// Any other first request wraps the channel for Hummingbird, which then reads that very request.
    @Test func aFirstOtherRequestHandsTheConnectionToHummingbird() async throws {
        let endpoint = HeldEndpoint()
        let (channel, decision) = try await Self.handingOff(endpoint)
        try await channel.writeInbound(Self.request("/v1/events"))
        try await channel.writeInbound(HTTPRequestPart.end(nil))
        let wrapped = try #require(try await decision.get(), "the connection must be handed to Hummingbird")
        try await wrapped.executeThenClose { inbound, _ in
            var parts = inbound.makeAsyncIterator()
            guard case .head(let head)? = try await parts.next() else {
                Issue.record("Hummingbird must read the request that decided")
                return
            }
            #expect(head.path == "/v1/events")
            guard case .end? = try await parts.next() else {
                Issue.record("and the rest of it")
                return
            }
        }
    }

    /// A connection that ends before its first request settles the decision too, so that its task ends.
    @Test func aConnectionThatSendsNothingEndsItsWait() async throws {
        let endpoint = HeldEndpoint()
        let (channel, decision) = try await Self.handingOff(endpoint)
        try await channel.close()
        #expect(try await decision.get() == nil)
    }
}
