import ArgumentParser
import Foundation
import SluiceClient

/// `sluice tail`: prints a Private SSE stream, one event per line, resuming across reconnections.
struct Tail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a filtered Private SSE stream, one event per line.")

    @OptionGroup var server: KeyOptions
    @Option(help: "Comma-separated keywords or #hashtags.") var keywords: String?
    @Option(help: "Comma-separated usernames or user ids.") var users: String?
    @Option(help: "Minimum follower count of the author.") var minFollowers: Int?
    @Option(help: "Only verified (true) or unverified (false) authors.") var verified: Bool?
    @Option(help: "Comma-separated language codes.") var language: String?
    @Option(help: "Minimum retweet count.") var minRetweets: Int?
    @Option(help: "Resume after this sequence number.") var lastEventID: String?

    func run() async throws {
        var filters: [String: String] = [:]
        filters["keywords"] = keywords
        filters["users"] = users
        filters["min_followers"] = minFollowers.map(String.init)
        filters["verified"] = verified.map(String.init)
        filters["language"] = language
        filters["min_retweets"] = minRetweets.map(String.init)
        let client = PrivateSSEClient(baseURL: server.url, apiKey: try server.resolvedKey(), filters: filters, lastEventID: lastEventID)
        for try await event in client.events() {
            let line = "\(event.lastEventID.isEmpty ? "-" : event.lastEventID)\t\(event.type)\t\(event.data)\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
    }
}
