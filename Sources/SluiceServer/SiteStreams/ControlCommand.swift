/// One control-stream request, in the form the node holding the stream executes it, whether it
/// arrived there directly or was forwarded by another node (as JSON, through the cluster bus).
struct ControlCommand: Codable, Sendable, Equatable {
    enum Action: String, Codable, Sendable {
        case addUser = "add_user"
        case removeUser = "remove_user"
        case info
        case friends
    }

    var action: Action
    var appID: String
    var streamID: String
    /// `add_user` and `remove_user`: the ids; `friends`: the one user.
    var userIDs: [Int64] = []
    /// `friends`: the page's cursor (-1 for the first).
    var cursor: Int64 = -1
}

/// The answer to a `ControlCommand`: an HTTP status and a JSON body, as the owning node produced them.
struct ControlReply: Codable, Sendable, Equatable {
    var status: Int
    var body: String
}
