import SQLiteNIO

/// The SQLite schema, as an ordered list of migrations applied at start-up.
///
/// Each migration runs in its own transaction with its version recorded, so a crash part-way through
/// leaves the database at the previous version, and starting twice applies nothing twice.
enum SQLiteSchema {
    static let migrations: [[String]] = [
        // 1: event log, derived state, keys.
        [
            """
            CREATE TABLE events (
                seq INTEGER PRIMARY KEY,
                type TEXT NOT NULL,
                data TEXT NOT NULL,
                accepted_at INTEGER NOT NULL
            )
            """,
            """
            CREATE TABLE users (
                id INTEGER PRIMARY KEY,
                username TEXT NOT NULL,
                protected INTEGER NOT NULL,
                data TEXT NOT NULL,
                updated_seq INTEGER NOT NULL
            )
            """,
            "CREATE INDEX users_username ON users (username COLLATE NOCASE)",
            """
            CREATE TABLE tweets (
                id INTEGER PRIMARY KEY,
                author_id INTEGER NOT NULL,
                seq INTEGER NOT NULL,
                deleted INTEGER NOT NULL DEFAULT 0
            )
            """,
            "CREATE TABLE direct_messages (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL)",
            """
            CREATE TABLE follows (
                source_id INTEGER NOT NULL,
                target_id INTEGER NOT NULL,
                PRIMARY KEY (source_id, target_id)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX follows_target ON follows (target_id, source_id)",
            """
            CREATE TABLE blocks (
                source_id INTEGER NOT NULL,
                target_id INTEGER NOT NULL,
                PRIMARY KEY (source_id, target_id)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                secret_hash TEXT NOT NULL UNIQUE,
                scopes TEXT NOT NULL,
                limits TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                revoked_at INTEGER
            )
            """,
        ],
        // 2: Private SSE stream tokens.
        [
            """
            CREATE TABLE stream_tokens (
                secret_hash TEXT PRIMARY KEY,
                key_id TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                used_at INTEGER
            )
            """,
            "CREATE INDEX stream_tokens_by_key ON stream_tokens (key_id, created_at)",
        ],
        // 3: Site Streams applications and the users who granted them access.
        [
            """
            CREATE TABLE apps (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                consumer_key TEXT NOT NULL UNIQUE,
                consumer_secret TEXT NOT NULL,
                access_token TEXT NOT NULL,
                access_token_secret TEXT NOT NULL,
                created_at INTEGER NOT NULL
            )
            """,
            """
            CREATE TABLE app_grants (
                app_id TEXT NOT NULL,
                user_id INTEGER NOT NULL,
                granted_at INTEGER NOT NULL,
                PRIMARY KEY (app_id, user_id)
            ) WITHOUT ROWID
            """,
        ],
        // 4: what visibility needs of a tweet the event core has forgotten: what it retweets, and where in
        // the log it was deleted (a tweet deleted before this migration counts as deleted from the start);
        // where each event's batch ends (unknown before this migration: each event then stands alone).
        [
            "ALTER TABLE events ADD COLUMN batch_end INTEGER",
            "ALTER TABLE tweets ADD COLUMN retweet_of INTEGER",
            "ALTER TABLE tweets ADD COLUMN deleted_seq INTEGER",
            """
            UPDATE tweets SET retweet_of = (
                SELECT CAST(json_extract(e.data, '$.retweeted_status_id') AS INTEGER) FROM events e WHERE e.seq = tweets.seq)
            """,
        ],
        // 5: publishers' idempotency keys (24 h), and OAuth nonces, which must outlive a restart within
        // the timestamp window or a captured request could be replayed after one.
        [
            """
            CREATE TABLE idempotency_keys (
                key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL,
                expires_at INTEGER NOT NULL
            ) WITHOUT ROWID
            """,
            "CREATE TABLE once_keys (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID",
        ],
        // 6: which admission spent a stream token, so that an abandoned admission can give it back.
        ["ALTER TABLE stream_tokens ADD COLUMN used_by TEXT"],
        // 7: whether each tweet's author was protected when it was posted, as the log holds its profile
        // (resolved at ingest): such a tweet stays protected for good. Unknown counts as protected.
        [
            "ALTER TABLE tweets ADD COLUMN posted_protected INTEGER NOT NULL DEFAULT 1",
            """
            UPDATE tweets SET posted_protected = COALESCE((
                SELECT CASE json_extract(e.data, '$.user.protected') WHEN 0 THEN 0 ELSE 1 END FROM events e WHERE e.seq = tweets.seq), 1)
            """,
        ],
    ]

    /// Brings the database up to the latest version.
    static func migrate(_ db: SQLiteConnection) async throws {
        _ = try await db.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")
        let rows = try await db.query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")
        let current = rows.first?.column("v")?.integer ?? 0
        for (offset, statements) in migrations.enumerated() where offset + 1 > current {
            _ = try await db.query("BEGIN IMMEDIATE")
            do {
                for sql in statements { _ = try await db.query(sql) }
                _ = try await db.query("INSERT INTO schema_migrations (version) VALUES (?)", [.integer(offset + 1)])
                _ = try await db.query("COMMIT")
            } catch {
                _ = try? await db.query("ROLLBACK")
                throw error
            }
        }
    }
}
