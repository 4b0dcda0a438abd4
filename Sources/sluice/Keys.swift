import ArgumentParser
import Foundation
import SluiceClient

/// `sluice keys create|list|revoke`: API key administration through a running server's admin API.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke API keys (through the admin API of a running server).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; its secret is printed once.")
        @OptionGroup var admin: AdminOptions
        @Option(help: "A name for the key.") var name: String
        @Option(parsing: .upToNextOption, help: "Scopes: stream, ingest, read (any of them; space- or comma-separated).")
        var scopes: [String] = ["stream"]

        func run() async throws {
            // `--scopes ingest,stream` and `--scopes ingest stream` mean the same.
            let scopes = scopes.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
            let key = try await admin.client().createKey(name: name, scopes: scopes)
            print("id:     \(key.id)\nname:   \(key.name)\nscopes: \(key.scopes.joined(separator: ","))\nkey:    \(key.key ?? "")")
            print("\nThe key is shown only this once; store it now.")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @OptionGroup var admin: AdminOptions

        func run() async throws {
            for key in try await admin.client().listKeys() {
                let state = key.revokedAt.map { "revoked \($0)" } ?? "active"
                print("\(key.id)\t\(key.name)\t\(key.scopes.joined(separator: ","))\t\(key.createdAt)\t\(state)")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key at once.")
        @OptionGroup var admin: AdminOptions
        @Argument(help: "The key's id (key_…).") var id: String

        func run() async throws {
            let key = try await admin.client().revokeKey(id: id)
            print("revoked \(key.id) (\(key.name)) at \(key.revokedAt ?? "?")")
        }
    }
}
