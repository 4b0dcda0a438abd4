import Logging
import PostgresNIO

/// The PostgreSQL schema, as an ordered list of migrations applied at start-up.
///
/// Several nodes may start at once: migrations run under a session advisory lock, so one node
/// migrates while the others wait and then find nothing left to do. Each migration commits with its
/// version, so a node killed part-way leaves the database at the previous version.
enum PostgresSchema {
    /// The advisory lock key that serializes migrations (any constant no other user of the database takes).
    static let migrationLock: Int64 = 0x511C_3000_0001

    static let migrations: [[PostgresQuery]] = [
        // 1: the log and its head, derived state, keys, tokens, apps, and what nodes share.
        [
            """
            CREATE TABLE events (
                seq BIGINT PRIMARY KEY,
                type TEXT NOT NULL,
                data TEXT NOT NULL,
                accepted_at BIGINT NOT NULL
            )
            """,
            // One row: the last sequence assigned. Appends lock it until they commit (see PostgresLogWriter).
            "CREATE TABLE log_head (id INT PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL)",
            "INSERT INTO log_head (id, seq) VALUES (1, 0)",
            """
            CREATE TABLE users (
                id BIGINT PRIMARY KEY,
                username TEXT NOT NULL,
                protected BOOLEAN NOT NULL,
                data TEXT NOT NULL,
                updated_seq BIGINT NOT NULL
            )
            """,
            "CREATE INDEX users_username ON users (lower(username))",
            """
            CREATE TABLE tweets (
                id BIGINT PRIMARY KEY,
                author_id BIGINT NOT NULL,
                seq BIGINT NOT NULL,
                deleted BOOLEAN NOT NULL DEFAULT false
            )
            """,
            "CREATE TABLE direct_messages (id BIGINT PRIMARY KEY, seq BIGINT NOT NULL)",
            "CREATE TABLE follows (source_id BIGINT NOT NULL, target_id BIGINT NOT NULL, PRIMARY KEY (source_id, target_id))",
            "CREATE INDEX follows_target ON follows (target_id, source_id)",
            "CREATE TABLE blocks (source_id BIGINT NOT NULL, target_id BIGINT NOT NULL, PRIMARY KEY (source_id, target_id))",
            """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                secret_hash TEXT NOT NULL UNIQUE,
                scopes TEXT NOT NULL,
                limits TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT
            )
            """,
            """
            CREATE TABLE stream_tokens (
                secret_hash TEXT PRIMARY KEY,
                key_id TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT
            )
            """,
            "CREATE INDEX stream_tokens_by_key ON stream_tokens (key_id, created_at)",
            """
            CREATE TABLE apps (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                consumer_key TEXT NOT NULL UNIQUE,
                consumer_secret TEXT NOT NULL,
                access_token TEXT NOT NULL,
                access_token_secret TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE app_grants (
                app_id TEXT NOT NULL,
                user_id BIGINT NOT NULL,
                granted_at BIGINT NOT NULL,
                PRIMARY KEY (app_id, user_id)
            )
            """,
            // Places in shared pools (a key's streams, open site streams) and who holds them.
            """
            CREATE TABLE leases (
                id TEXT PRIMARY KEY,
                scope TEXT NOT NULL,
                node TEXT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX leases_by_scope ON leases (scope, expires_at)",
            "CREATE INDEX leases_by_node ON leases (node)",
            // Sliding windows (an app's connects in the last second).
            "CREATE TABLE rate_window (scope TEXT NOT NULL, at BIGINT NOT NULL)",
            "CREATE INDEX rate_window_by_scope ON rate_window (scope, at)",
            // Control requests forwarded to the node that holds the stream, and their replies.
            """
            CREATE TABLE control_requests (
                id BIGSERIAL PRIMARY KEY,
                from_node TEXT NOT NULL,
                to_node TEXT NOT NULL,
                request TEXT NOT NULL,
                reply TEXT,
                created_at BIGINT NOT NULL
            )
            """,
            // Keys recorded once until they expire (OAuth nonces), so a replay to another node is caught.
            "CREATE TABLE once_keys (key TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)",
        ],
        // 2: what visibility needs of a tweet the event core has forgotten: what it retweets, and where in
        // the log it was deleted (a tweet deleted before this migration counts as deleted from the start);
        // where each event's batch ends (unknown before this migration: each event then stands alone).
        [
            "ALTER TABLE events ADD COLUMN batch_end BIGINT",
            "ALTER TABLE tweets ADD COLUMN retweet_of BIGINT",
            "ALTER TABLE tweets ADD COLUMN deleted_seq BIGINT",
            """
            UPDATE tweets t SET retweet_of = (e.data::jsonb ->> 'retweeted_status_id')::BIGINT
            FROM events e WHERE e.seq = t.seq AND e.type = 'tweet' AND e.data::jsonb ? 'retweeted_status_id'
            """,
        ],
        // 3: publishers' idempotency keys, kept 24 h.
        [
            """
            CREATE TABLE idempotency_keys (
                key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, first_seq BIGINT NOT NULL, last_seq BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """
        ],
        // 4: which admission spent a stream token, so that an abandoned admission can give it back.
        ["ALTER TABLE stream_tokens ADD COLUMN used_by TEXT"],
        // 5: whether each tweet's author was protected when it was posted, as the log holds its profile
        // (resolved at ingest): such a tweet stays protected for good. Unknown counts as protected.
        [
            "ALTER TABLE tweets ADD COLUMN posted_protected BOOLEAN NOT NULL DEFAULT true",
            """
            UPDATE tweets t SET posted_protected = COALESCE((e.data::jsonb -> 'user' ->> 'protected')::BOOLEAN, true)
            FROM events e WHERE e.seq = t.seq AND e.type = 'tweet'
            """,
        ],
    ]

    /// Brings the database up to the latest version, on a connection of its own. Closing it releases
    /// the advisory lock, whatever happened.
    static func migrate(_ location: PostgresLocation, logger: Logger) async throws {
        let connection = try await PostgresConnection.connect(configuration: location.connectionConfiguration, id: 0, logger: logger)
        do {
            try await migrate(on: connection, logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    private static func migrate(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_lock(\(migrationLock))", logger: logger)
        try await connection.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY)", logger: logger)
        var current = 0
        for try await version in try await connection.query(
            "SELECT COALESCE(MAX(version), 0)::INT8 FROM schema_migrations", logger: logger
        ).decode(Int64.self) {
            current = Int(version)
        }
        for (offset, statements) in migrations.enumerated() where offset + 1 > current {
            try await connection.withTransaction(logger: logger) { connection in
                for statement in statements { try await connection.query(statement, logger: logger) }
                try await connection.query("INSERT INTO schema_migrations (version) VALUES (\(offset + 1))", logger: logger)
            }
        }
    }
}
