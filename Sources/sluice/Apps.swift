import ArgumentParser
import SluiceClient

/// `sluice apps create|list|grant|revoke`: Site Streams applications, through the admin API.
struct Apps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create and list Site Streams apps; record and revoke users' grants (through the admin API).",
        subcommands: [Create.self, List.self, Grant.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an app; its owner's credentials are printed once.")
        @OptionGroup var admin: AdminOptions
        @Option(help: "A name for the app.") var name: String

        func run() async throws {
            let app = try await admin.client().createApp(name: name)
            print(
                """
                id:                  \(app.id)
                consumer_key:        \(app.consumerKey)
                consumer_secret:     \(app.consumerSecret ?? "")
                access_token:        \(app.accessToken)
                access_token_secret: \(app.accessTokenSecret ?? "")

                The secrets are shown only this once; store them now.
                """)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List apps (never their secrets).")
        @OptionGroup var admin: AdminOptions

        func run() async throws {
            for app in try await admin.client().listApps() {
                print("\(app.id)\t\(app.name)\t\(app.consumerKey)\t\(app.createdAt)")
            }
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record that a user authorized an app.")
        @OptionGroup var admin: AdminOptions
        @Argument(help: "The app's id (app_…).") var appID: String
        @Argument(help: "The user's id.") var userID: Int64

        func run() async throws {
            try await admin.client().grant(appID: appID, userID: userID)
            print("user \(userID) granted \(appID) access")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a user's grant.")
        @OptionGroup var admin: AdminOptions
        @Argument(help: "The app's id (app_…).") var appID: String
        @Argument(help: "The user's id.") var userID: Int64

        func run() async throws {
            try await admin.client().revokeGrant(appID: appID, userID: userID)
            print("user \(userID) no longer grants \(appID) access")
        }
    }
}
