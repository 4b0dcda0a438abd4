import ArgumentParser
import Foundation
import SluiceClient

/// `--url` and `--key` (or `SLUICE_KEY`): how a client command reaches a server.
struct KeyOptions: ParsableArguments {
    @Option(help: "Server URL.") var url = "http://127.0.0.1:8080"
    @Option(help: "An API key (or SLUICE_KEY).") var key: String?

    func resolvedKey() throws -> String {
        guard let key = key ?? ProcessInfo.processInfo.environment["SLUICE_KEY"] else {
            throw ValidationError("give --key or set SLUICE_KEY")
        }
        return key
    }

    func client() throws -> SluiceRESTClient {
        SluiceRESTClient(baseURL: url, credential: try resolvedKey())
    }
}

/// `--url` and `--admin-token` (or `SLUICE_ADMIN_TOKEN`): how an admin command reaches a server.
struct AdminOptions: ParsableArguments {
    @Option(help: "Server URL.") var url = "http://127.0.0.1:8080"
    @Option(help: "Admin token (or SLUICE_ADMIN_TOKEN).") var adminToken: String?

    func resolvedToken() throws -> String {
        guard let token = adminToken ?? ProcessInfo.processInfo.environment["SLUICE_ADMIN_TOKEN"] else {
            throw ValidationError("give --admin-token or set SLUICE_ADMIN_TOKEN")
        }
        return token
    }

    func client() throws -> SluiceRESTClient {
        SluiceRESTClient(baseURL: url, credential: try resolvedToken())
    }
}
