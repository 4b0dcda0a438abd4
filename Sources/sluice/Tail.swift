import ArgumentParser
import Foundation
import SluiceClient

/// `sluice tail`: prints a Private SSE stream, one event per line, resuming across reconnections.
struct Tail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a filtered Private SSE stream, one event per line.")

    @Option(help: "Server URL.") var url = "http://127.0.0.1:8080"
    @Option(help: "An API key with the stream scope (or SLUICE_KEY).") var key: String?
    @Option(help: "Comma-separated keywords or #hashtags.") var keywords: String?
    @Option(help: "Comma-separated usernames or user ids.") var users: String?
    @Option(help: "Minimum follower count of the author.") var minFollowers: Int?
    @Option(help: "Only verified (true) or unverified (false) authors.") var verified: Bool?
    @Option(help: "Comma-separated language codes.") var language: String?
    @Option(help: "Minimum retweet count.") var minRetweets: Int?
    @Option(help: "Resume after this sequence number.") var lastEventID: String?

    func run() async throws {
        guard let key = key ?? ProcessInfo.processInfo.environment["SLUICE_KEY"] else {
            throw ValidationError("give --key or set SLUICE_KEY")
        }
        var filters: [String: String] = [:]
        filters["keywords"] = keywords
        filters["users"] = users
        filters["min_followers"] = minFollowers.map(String.init)
        filters["verified"] = verified.map(String.init)
        filters["language"] = language
        filters["min_retweets"] = minRetweets.map(String.init)
        let client = PrivateSSEClient(baseURL: url, apiKey: key, filters: filters, lastEventID: lastEventID)
        for try await event in client.events() {
            let line = "\(event.lastEventID.isEmpty ? "-" : event.lastEventID)\t\(event.type)\t\(event.data)\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
    }
}
