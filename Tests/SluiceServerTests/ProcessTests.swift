import AsyncHTTPClient
import Foundation
import SluiceClient
import SluiceCore
import SluiceTestSupport
import Synchronization
import Testing

/// Tests against the real `sluice serve` process.
@Suite struct ProcessTests {
    static let admin = "process-test-admin"

    @Test func acknowledgedEventsSurviveSIGKILL() async throws {
        let db = Fixtures.temporaryDatabasePath()
        let server = try await SluiceProcess.serve(["--store", "sqlite:\(db)", "--admin-token", Self.admin, "--log-level", "warning"])
        let key = try await SluiceRESTClient(baseURL: server.baseURL, credential: Self.admin).createKey(name: "k", scopes: ["ingest", "read"]).key!
        let client = SluiceRESTClient(baseURL: server.baseURL, credential: key)
        _ = try await client.publish([.userUpdate(Fixtures.user(1))])
        // Once the server is gone, give up within a bounded time instead of retrying the connection; but
        // long enough that a loaded machine does not end a writer while the server still runs.
        let writerClient = SluiceRESTClient(baseURL: server.baseURL, credential: key, timeout: .seconds(10))

        // 8 writers publish as fast as they can; once 40 batches are acknowledged, SIGKILL.
        let acknowledged = Acknowledgements()
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for n in 0..<1000 {
                        let events = (0..<5).map { i in
                            Event.tweet(Fixtures.tweet(Int64(writer * 1_000_000 + n * 10 + i + 1), by: Fixtures.user(1)))
                        }
                        let accepted: SluiceRESTClient.Accepted
                        do {
                            accepted = try await writerClient.publish(events)
                        } catch {
                            // Only the kill may end a writer: a failure before it is the server's.
                            if !acknowledged.killed { Issue.record("a publish failed before the kill: \(error)") }
                            return
                        }
                        if acknowledged.record(accepted.firstSeq...accepted.lastSeq, events) == 40 {
                            acknowledged.killed = true
                            server.signal(SIGKILL)
                        }
                    }
                }
            }
        }
        #expect(try await server.waitForExit() != 0)
        let acks = acknowledged.all
        #expect(acks.count >= 40)

        let restarted = try await SluiceProcess.serve(["--store", "sqlite:\(db)", "--log-level", "warning"])
        let after = SluiceRESTClient(baseURL: restarted.baseURL, credential: key)
        var log: [Int64: StoredEvent] = [:]
        var cursor: Int64 = 0
        while true {
            let page = try await after.events(after: cursor, limit: 1000)
            if page.events.isEmpty { break }
            for event in page.events { log[event.sequence] = event }
            cursor = page.lastSeq
        }
        // Every acknowledged event is there, with its number and its content.
        for (range, events) in acks {
            for (seq, event) in zip(range, events) {
                #expect(try log[seq]?.decoded() == event, "acknowledged event \(seq) lost or changed")
            }
        }
        // Nothing half-written: the log is gap-free and every batch is whole (5 tweets each, after the user).
        #expect(log.keys.sorted() == Array(1...Int64(log.count)))
        #expect((log.count - 1) % 5 == 0)
        restarted.signal(SIGTERM)
        #expect(try await restarted.waitForExit() == 0)
    }

    /// The README: the demo prints a key `sluice tail` can use, and `tail` keeps going across server
    /// restarts. So a restart on the same store keeps the demo's key, and does not publish its
    /// population again.
    @Test func restartingTheDemoKeepsItsKeyAndPopulationUnderARunningTail() async throws {
        let db = Fixtures.temporaryDatabasePath()
        let first = try await SluiceProcess.serve(["--store", "sqlite:\(db)", "--demo", "--demo-rate", "20"])
        let port = first.port
        func demoKey(_ server: SluiceProcess) async throws -> String {
            try await waitUntil(timeout: .seconds(60), "the demo banner") { server.log.contains("read the log:") }
            let line = try #require(server.log.split(separator: "\n").first { $0.contains("demo API key") })
            return String(try #require(line.split(separator: " ").last))
        }
        let key = try await demoKey(first)
        let reader = SluiceRESTClient(baseURL: first.baseURL, credential: key)
        try await waitUntil(timeout: .seconds(60), "demo traffic") { try await reader.events(after: 0, limit: 1000).events.count > 100 }
        let populationSize = try await reader.events(after: 0, limit: 1000).events.prefix { $0.kind != .tweet }.count
        #expect(populationSize > 60, "users and the follow graph come first")

        let tail = try SluiceCommand(["tail", "--url", first.baseURL, "--key", key])
        try await waitUntil(timeout: .seconds(60), "tail to print") { tail.text.split(separator: "\n").count >= 5 }
        // Traffic goes on until the server stops: a little more than this reaches the log.
        let headBefore = try await Self.lastSequence(first)
        first.signal(SIGTERM)
        #expect(try await first.waitForExit() == 0)

        let second = try await SluiceProcess.serve(["--store", "sqlite:\(db)", "--demo", "--demo-rate", "20"], port: port)
        #expect(try await demoKey(second) == key, "the same demo key after a restart")
        #expect(second.log.contains("the same as before"))
        let printedBefore = tail.text.split(separator: "\n").count
        try await waitUntil(timeout: .seconds(90), "tail to go on after the restart") { tail.text.split(separator: "\n").count >= printedBefore + 5 }
        // Measured once the new server's traffic flows, so after it would have published a population.
        let headAfter = try await Self.lastSequence(second)
        #expect(headAfter - headBefore < Int64(populationSize / 2), "the population was not published again: \(headBefore) → \(headAfter)")
        #expect(tail.isRunning, "tail kept going: \(tail.text.suffix(500))")
        second.signal(SIGTERM)
        try await second.waitForExit()
    }

    /// `sluice keys create --scopes ingest,stream` means the same as `--scopes ingest stream`.
    @Test func theCLITakesScopesCommaSeparated() async throws {
        let server = try await SluiceProcess.serve(["--store", "sqlite:\(Fixtures.temporaryDatabasePath())", "--admin-token", Self.admin])
        for scopes in [["ingest,stream"], ["ingest", "stream"], ["ingest, read,stream"]] {
            let (status, output) = try await SluiceCommand.run(
                ["keys", "create", "--url", server.baseURL, "--admin-token", Self.admin, "--name", "cli", "--scopes"] + scopes)
            #expect(status == 0, "\(scopes): \(output)")
            let line = output.split(separator: "\n").first { $0.hasPrefix("scopes:") }
            let expected = scopes.joined(separator: ",").contains("read") ? "ingest,read,stream" : "ingest,stream"
            #expect(line.map { $0.split(separator: " ").last.map(String.init) } == expected, "\(output)")
        }
        let (refused, output) = try await SluiceCommand.run(
            ["keys", "create", "--url", server.baseURL, "--admin-token", Self.admin, "--name", "cli", "--scopes", "ingest,bogus"])
        #expect(refused != 0 && output.contains("bogus"), "\(output)")
        server.signal(SIGTERM)
        try await server.waitForExit()
    }

    static func lastSequence(_ server: SluiceProcess) async throws -> Int64 {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: server.baseURL + "/healthz"), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 16)
        return try #require((try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])?["last_seq"] as? Int64)
    }

    @Test func sigtermShutsDownGracefully() async throws {
        let db = Fixtures.temporaryDatabasePath()
        let server = try await SluiceProcess.serve(["--store", "sqlite:\(db)", "--admin-token", Self.admin, "--demo", "--demo-rate", "200"])
        let admin = SluiceRESTClient(baseURL: server.baseURL, credential: Self.admin)
        let key = try await admin.createKey(name: "k", scopes: ["ingest", "read"]).key!
        let client = SluiceRESTClient(baseURL: server.baseURL, credential: key)
        try await waitUntil(timeout: .seconds(60), "demo traffic") { try await client.events(after: 100, limit: 1).events.count == 1 }
        #expect(server.log.contains("demo API key"))
        #expect(!server.log.contains(key), "secrets are never logged")

        server.signal(SIGTERM)
        #expect(try await server.waitForExit() == 0)
        // The store was closed cleanly: it reopens with every event.
        let reopened = try await SluiceProcess.serve(["--store", "sqlite:\(db)"])
        let seen = try await SluiceRESTClient(baseURL: reopened.baseURL, credential: key).events(after: 0, limit: 1000)
        #expect(seen.events.count > 100)
        #expect(seen.events.map(\.sequence) == Array(1...Int64(seen.events.count)))
        reopened.signal(SIGTERM)
        try await reopened.waitForExit()
    }

    @Test func twentyClientsGetDisjointGapFreeRanges() async throws {
        let server = try await SluiceProcess.serve(["--store", "sqlite:\(Fixtures.temporaryDatabasePath())", "--admin-token", Self.admin])
        let key = try await SluiceRESTClient(baseURL: server.baseURL, credential: Self.admin).createKey(name: "k", scopes: ["ingest", "read"]).key!
        let client = SluiceRESTClient(baseURL: server.baseURL, credential: key)
        _ = try await client.publish([.userUpdate(Fixtures.user(1))])
        let ranges = try await withThrowingTaskGroup(of: [ClosedRange<Int64>].self) { group in
            for c in 0..<20 {
                group.addTask {
                    var mine: [ClosedRange<Int64>] = []
                    for n in 0..<10 {
                        let size = 1 + (c * 7 + n) % 9
                        let events = (0..<size).map { i in Event.tweet(Fixtures.tweet(Int64(c * 100_000 + n * 100 + i + 1), by: Fixtures.user(1))) }
                        let accepted = try await client.publish(events)
                        #expect(accepted.accepted == size)
                        #expect(accepted.lastSeq - accepted.firstSeq + 1 == Int64(size))
                        mine.append(accepted.firstSeq...accepted.lastSeq)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        #expect(sorted.first?.lowerBound == 2)
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            #expect(b.lowerBound == a.upperBound + 1, "ranges \(a) and \(b) overlap or leave a gap")
        }
        server.signal(SIGTERM)
        try await server.waitForExit()
    }
}

/// Batches the server acknowledged, recorded from several writer tasks.
final class Acknowledgements: Sendable {
    private let batches = Mutex<[(ClosedRange<Int64>, [Event])]>([])
    private let kill = Atomic(false)
    /// Whether the server was sent SIGKILL.
    var killed: Bool {
        get { kill.load(ordering: .sequentiallyConsistent) }
        set { kill.store(newValue, ordering: .sequentiallyConsistent) }
    }

    /// Records a batch; returns how many are recorded now.
    func record(_ range: ClosedRange<Int64>, _ events: [Event]) -> Int {
        batches.withLock {
            $0.append((range, events))
            return $0.count
        }
    }

    var all: [(ClosedRange<Int64>, [Event])] { batches.withLock { $0 } }
}

/// Private SSE across a server crash: the reconnecting client resumes with `Last-Event-ID`.
@Suite struct ResumeAcrossCrashTests {
    @Test func aClientStreamingThroughASIGKILLSeesEveryMatchingEventOnce() async throws {
        let db = Fixtures.temporaryDatabasePath()
        let admin = "resume-admin"
        var server = try await SluiceProcess.serve(["--store", "sqlite:\(db)", "--admin-token", admin, "--log-level", "warning"])
        let port = server.port
        let key = try await SluiceRESTClient(baseURL: server.baseURL, credential: admin)
            .createKey(name: "k", scopes: ["stream", "ingest", "read"], limits: ["events_per_second": 100_000, "tokens_per_hour": 1000]).key!
        let rest = SluiceRESTClient(baseURL: server.baseURL, credential: key, timeout: .seconds(2))
        let start = try await rest.publish([.userUpdate(Fixtures.user(1))]).lastSeq

        // The client: keeps every tweet id it is given, in order, from the log position it starts at.
        let received = Received()
        var client = PrivateSSEClient(
            baseURL: server.baseURL, apiKey: key, filters: ["keywords": "match"], lastEventID: String(start), http: streamHTTP)
        client.backoff = Backoff(initial: .milliseconds(50), maximum: .milliseconds(500))
        let reader = Task {
            do {
                for try await event in client.events() {
                    received.record(event)
                }
                received.ended("the event sequence finished")
            } catch {
                received.ended(String(describing: error))
            }
        }

        // Ingest: batches of 10 tweets, half matching, retried until acknowledged, across the crash. A retry
        // of a batch that was stored but not acknowledged before the crash gets `duplicate_id`: stored.
        let next = Counter()
        let writer = Task {
            while !Task.isCancelled {
                let base = Int64(next.incrementAndGet() * 100)
                let batch = (0..<10).map { i in
                    Event.tweet(Fixtures.tweet(base + Int64(i), by: Fixtures.user(1), text: i % 2 == 0 ? "match \(base + Int64(i))" : "other"))
                }
                while !Task.isCancelled {
                    do {
                        _ = try await rest.publish(batch)
                        break
                    } catch let error as SluiceAPIError where error.code == "duplicate_id" {
                        break
                    } catch let error as SluiceAPIError where error.status < 500 {
                        // Only an unavailable server is worth retrying: a refusal would be retried for ever.
                        Issue.record("a batch was refused: \(error)")
                        return
                    } catch {
                        try? await Task.sleep(for: .milliseconds(20))
                    }
                }
            }
        }

        try await waitUntil(timeout: .seconds(60), "tweets before the crash") {
            try received.stillReading()
            return received.tweets.count >= 50
        }
        server.signal(SIGKILL)
        try await server.waitForExit()
        server = try await SluiceProcess.serve(["--store", "sqlite:\(db)", "--port", String(port), "--log-level", "warning"])
        let countAtRestart = received.tweets.count
        try await waitUntil(timeout: .seconds(90), "tweets after the restart") {
            try received.stillReading()
            return received.tweets.count >= countAtRestart + 100
        }
        writer.cancel()
        _ = await writer.result
        let sentinel = Event.tweet(Fixtures.tweet(99_999_999, by: Fixtures.user(1), text: "match sentinel"))
        _ = try await rest.publish([sentinel])
        try await waitUntil(timeout: .seconds(60), "the sentinel") {
            try received.stillReading()
            return received.tweets.last == "99999999"
        }

        // What the client should have: every matching tweet of the log, in log order.
        var expected: [String] = []
        var cursor: Int64 = 0
        while true {
            let page = try await rest.events(after: cursor, limit: 1000)
            guard !page.events.isEmpty else { break }
            for stored in page.events {
                if case .tweet(let t) = try stored.decoded(), t.text.hasPrefix("match") { expected.append(String(t.id)) }
            }
            cursor = page.lastSeq
        }
        let got = received.tweets
        #expect(Set(got).count == got.count, "no duplicate")
        #expect(got == expected, "no gap: \(got.count) received, \(expected.count) expected")
        #expect(received.reconnections >= 2, "the client reconnected")

        // Graceful shutdown tells the client why.
        server.signal(SIGTERM)
        try await waitUntil(timeout: .seconds(60), "the shutdown notice") { received.statuses.contains("shutdown") }
        #expect(try await server.waitForExit() == 0)
        reader.cancel()
    }
}

/// What the resuming client received.
final class Received: Sendable {
    private let state = Mutex<(tweets: [String], statuses: [String], connects: Int)>(([], [], 0))

    func record(_ event: SSEEvent) {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(event.data.utf8)) else { return }
        state.withLock { state in
            switch (event.type, json["data"]) {
            case ("tweet", let data?):
                if case .string(let id)? = data["id"] { state.tweets.append(id) }
            case ("status", let data?):
                if case .string(let reason)? = data["reason"] { state.statuses.append(reason) }
                if data["status"] == .string("connected") { state.connects += 1 }
            default:
                break
            }
        }
    }

    var tweets: [String] { state.withLock { $0.tweets } }
    var statuses: [String] { state.withLock { $0.statuses } }

    /// The client stopped, and why (it should not: it reconnects until cancelled).
    func ended(_ why: String) { end.withLock { $0 = why } }
    private let end = Mutex<String?>(nil)

    /// Throws if the client stopped: a wait then says why, not just that it timed out.
    func stillReading() throws {
        if let why = end.withLock({ $0 }) { throw StreamEnded(what: "the client to go on", failure: why) }
    }
    var reconnections: Int { state.withLock { $0.connects } }
}

final class Counter: Sendable {
    private let value = Mutex(0)
    func incrementAndGet() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }
}

/// `--stream-port`: streams on a dedicated listener.
@Suite struct StreamListenerTests {
    @Test func streamsAreServedOnTheDedicatedPortAndEndOnShutdown() async throws {
        let server = try await SluiceProcess.serve([
            "--store", "sqlite:\(Fixtures.temporaryDatabasePath())", "--admin-token", "a", "--stream-port", "0", "--log-level", "warning",
        ])
        let streamPort = try #require(server.streamPort)
        #expect(streamPort != server.port)
        let key = try await SluiceRESTClient(baseURL: server.baseURL, credential: "a").createKey(name: "k", scopes: ["stream", "ingest", "read"]).key!
        let client = SluiceRESTClient(baseURL: server.baseURL, credential: key)
        _ = try await client.publish([.userUpdate(Fixtures.user(1))])
        let probe = try await StreamProbe.open(
            "http://127.0.0.1:\(streamPort)/sse/private?token=\(try await client.streamToken())&keywords=dedicated")
        #expect(probe.status == 200)
        try await probe.connected()
        _ = try await client.publish([.tweet(Fixtures.tweet(7, by: Fixtures.user(1), text: "dedicated listener"))])
        try await probe.wait("the tweet") { $0.tweetIDs == ["7"] }

        let other = try await StreamProbe.open("http://127.0.0.1:\(streamPort)/v1/events")
        #expect(other.status == 404)
        #expect(other.errorCode == "not_found")

        server.signal(SIGTERM)
        try await probe.wait("the shutdown notice") { $0.statuses.last?["reason"] == .string("shutdown") }
        #expect(try await server.waitForExit() == 0)
    }
}
