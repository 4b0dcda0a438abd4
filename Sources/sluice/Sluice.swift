import ArgumentParser

@main
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "A self-hosted streaming API server: Private SSE and Site Streams on one event core.",
        subcommands: [Serve.self, Keys.self, Apps.self, Tail.self, Simulate.self, Bench.self])
}
