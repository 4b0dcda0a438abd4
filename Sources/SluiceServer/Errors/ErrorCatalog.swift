/// Every error code Sluice answers with, its status and when: the README's table of errors is this
/// list, and a test checks both against the codes the server's sources can produce.
public enum ErrorCatalog {
    public struct Entry: Sendable, Equatable {
        public var status: Int
        public var code: String
        public var when: String
    }

    public static let entries: [Entry] = [
        Entry(
            status: 400, code: "bad_request",
            when: "the request is not valid HTTP/1.1 (a malformed request line or header; an HTTP/1.1 request without exactly one `Host`)"),
        Entry(
            status: 400, code: "invalid_event",
            when: "an event is malformed JSON, has wrong types, misses a field or has an unknown type; an empty batch"),
        Entry(status: 400, code: "unknown_reference", when: "an event names a user or tweet the log does not know"),
        Entry(status: 400, code: "duplicate_id", when: "a tweet or message id already in the log"),
        Entry(
            status: 400, code: "invalid_reference",
            when: "a reference the event cannot use that way (deleting another author's tweet, liking a deleted one)"),
        Entry(status: 400, code: "invalid_idempotency_key", when: "an `Idempotency-Key` that is not 1 to 255 visible ASCII characters"),
        Entry(
            status: 400, code: "invalid_request",
            when: "an admin request body that is not the JSON object the endpoint takes (types, missing fields, a bad name or scope)"),
        Entry(status: 400, code: "unknown_field", when: "an admin request body with a field the endpoint does not take (`limits.bogus`)"),
        Entry(
            status: 400, code: "unknown_parameter",
            when: "a query or form parameter the endpoint does not take (streams, control streams, `GET /v1/events`)"),
        Entry(
            status: 400, code: "invalid_parameter",
            when:
                "a parameter with a malformed value (`after`, `limit`, `event_names`, `Last-Event-ID`, `with`, `replies`, `delimited`, flags, `user_id`, `cursor`); a stream parameter that is not valid percent-encoding of UTF-8 (`%ZZ`)"
        ),
        Entry(status: 400, code: "missing_parameter", when: "a required parameter is absent (`follow`, `user_id`)"),
        Entry(status: 400, code: "invalid_filter", when: "a malformed Private SSE filter (`min_followers=-1`, `keywords=%ZZ`); the message names it"),
        Entry(status: 400, code: "invalid_control_request", when: "a control request forwarded by another node could not be read"),
        Entry(
            status: 401, code: "unauthorized",
            when:
                "a missing, unknown or revoked API key or admin token; a Site Streams or control request whose OAuth signature, timestamp or nonce does not verify"
        ),
        Entry(status: 401, code: "token_required", when: "a Private SSE stream without `token`"),
        Entry(status: 401, code: "invalid_token", when: "an unknown stream token"),
        Entry(status: 401, code: "token_used", when: "a stream token already spent (tokens are single-use)"),
        Entry(status: 401, code: "token_expired", when: "a stream token past its 24 hours"),
        Entry(status: 401, code: "key_revoked", when: "a stream token whose API key was revoked"),
        Entry(
            status: 403, code: "forbidden",
            when: "the API key lacks the endpoint's scope (`stream`, `ingest`, `read`); the admin buys a stream token for a key without `stream`"),
        Entry(status: 403, code: "admin_disabled", when: "the admin API, when the server runs without an admin token"),
        Entry(
            status: 404, code: "not_found",
            when: "no such endpoint, key, app, grant, user, stream, connection or chart; a method a REST route does not take"),
        Entry(
            status: 405, code: "method_not_allowed",
            when: "a method the stream endpoints do not take (`/sse/private`: GET; `/1.1/site.json`: GET or POST)"),
        Entry(status: 406, code: "not_acceptable", when: "one of Twitter's filter parameters (`track`, `locations`, …) on Site Streams"),
        Entry(status: 408, code: "request_timeout", when: "the request head or body did not arrive in time (`--head-timeout`, `--body-timeout`)"),
        Entry(
            status: 413, code: "payload_too_large",
            when: "a body over its limit: ingest `--max-body-bytes` (8 MiB by default), admin 64 KB, control request 16 KB"),
        Entry(status: 413, code: "body_too_large", when: "a stream request (`/1.1/site.json`) body over 16 KB"),
        Entry(
            status: 415, code: "unsupported_media_type",
            when: "a Site Streams or control request body that is not a form; any body on `POST /sse/token`"),
        Entry(status: 409, code: "key_revoked", when: "the admin buys a stream token for a revoked key (`POST /v1/admin/keys/{id}/tokens`)"),
        Entry(status: 413, code: "event_too_large", when: "an event whose stored JSON is over `--max-event-bytes`; the answer names its `index`"),
        Entry(status: 413, code: "too_many_users", when: "`follow` over 100 users, a control call over 100, or a stream over its 1,000 users"),
        Entry(status: 420, code: "enhance_your_calm", when: "an app's 26th Site Streams connection within a second, on any node (`Retry-After`)"),
        Entry(status: 422, code: "idempotency_key_reused", when: "an `Idempotency-Key` already used with another request"),
        Entry(status: 429, code: "token_rate_limited", when: "an 11th stream token within an hour for one key (`Retry-After`)"),
        Entry(status: 429, code: "too_many_connections", when: "a key's 4th concurrent Private SSE stream, on any node (`Retry-After`)"),
        Entry(status: 500, code: "internal_error", when: "a bug: the server logs it"),
        Entry(status: 503, code: "store_unavailable", when: "the store cannot be reached or written (`Retry-After`); retry"),
        Entry(
            status: 503, code: "unavailable",
            when: "a Site Streams connection could not be admitted now (the store did not answer); retry (`Retry-After`)"),
        Entry(status: 503, code: "node_unreachable", when: "the node holding a stream the admin closes did not answer in time (`Retry-After`)"),
        Entry(status: 503, code: "shutting_down", when: "a stream request caught by a graceful shutdown; reconnect (`Retry-After`)"),
        Entry(status: 503, code: "server_busy", when: "the server holds `--max-connections` connections (`Retry-After`)"),
    ]

    /// The README's table of errors, as Markdown.
    public static var markdownTable: String {
        (["| status | code | when |", "|---|---|---|"] + entries.map { "| \($0.status) | `\($0.code)` | \($0.when) |" })
            .joined(separator: "\n")
    }
}
