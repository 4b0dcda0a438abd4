/// The OpenAPI 3.1 description of Sluice's REST surface, served at `GET /v1/openapi.json`.
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Sluice",
            "version": "1.0.0",
            "summary": "A self-hosted streaming API server: ingest, an ordered event log, Private SSE and Site Streams.",
            "description": "Every error has the same shape, `{\"error\": {\"code\": …, \"message\": …}}` (with `index` for batch errors), with a stable `code` to switch on; each operation lists its codes. Any request may also get 503 `server_busy` (with `Retry-After`) when the server is at its connection cap, and 408 `request_timeout` when the request head or body is not received in time. Ids are 64-bit integers, accepted as numbers or strings and written back both ways (`id` and `id_str`). Unknown input is refused everywhere: a query parameter an operation does not list is 400 `unknown_parameter`, a field a body does not take is 400 `unknown_field` (`invalid_event` for events), a body where none is read (`POST /sse/token`) or that is not a form (Site Streams and control requests) is 415 `unsupported_media_type`.",
            "license": {
              "name": "Proprietary",
              "identifier": "LicenseRef-Proprietary"
            }
          },
          "servers": [
            {
              "url": "/",
              "description": "The server that serves this document."
            }
          ],
          "tags": [
            {
              "name": "events",
              "description": "Publishing events and reading the log."
            },
            {
              "name": "Private SSE",
              "description": "Filtered Server-Sent Event streams of public tweets and profiles."
            },
            {
              "name": "Site Streams",
              "description": "OAuth-signed multiplexed streams of many users, and their control streams."
            },
            {
              "name": "admin",
              "description": "API keys and Site Streams apps (admin token)."
            },
            {
              "name": "operations",
              "description": "Health, metrics and this document."
            }
          ],
          "paths": {
            "/healthz": {
              "get": {
                "operationId": "health",
                "tags": [
                  "operations"
                ],
                "summary": "Health of this node and its store",
                "description": "200 while the store answers, 503 (with the reason, in the health shape) when it does not. No credentials.\n\nErrors (`error.code`):\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `server_busy` (connection cap reached; `Retry-After`)",
                "security": [],
                "responses": {
                  "200": {
                    "description": "The store answers.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Health"
                        }
                      }
                    }
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "description": "The store does not answer (`status` is `unavailable`), or `server_busy` (error shape, `Retry-After`).",
                    "headers": {
                      "Retry-After": {
                        "$ref": "#/components/headers/RetryAfter"
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "anyOf": [
                            {
                              "$ref": "#/components/schemas/Health"
                            },
                            {
                              "$ref": "#/components/schemas/Error"
                            }
                          ]
                        }
                      }
                    }
                  }
                }
              }
            },
            "/metrics": {
              "get": {
                "operationId": "metrics",
                "tags": [
                  "operations"
                ],
                "summary": "Prometheus metrics",
                "description": "Prometheus' text exposition format. No credentials; carries counts, never ids or secrets.\n\nErrors (`error.code`):\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `server_busy` (connection cap reached; `Retry-After`)",
                "security": [],
                "responses": {
                  "200": {
                    "description": "Metrics.",
                    "content": {
                      "text/plain": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/ServerBusy"
                  }
                }
              }
            },
            "/v1/openapi.json": {
              "get": {
                "operationId": "openapi",
                "tags": [
                  "operations"
                ],
                "summary": "This document",
                "description": "The OpenAPI 3.1 description of Sluice's REST surface. No credentials.\n\nErrors (`error.code`):\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `server_busy` (connection cap reached; `Retry-After`)",
                "security": [],
                "responses": {
                  "200": {
                    "description": "The document.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    }
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/ServerBusy"
                  }
                }
              }
            },
            "/sse/token": {
              "post": {
                "operationId": "issueStreamToken",
                "tags": [
                  "Private SSE"
                ],
                "summary": "Buy a single-use stream token",
                "description": "A key with the `stream` scope buys a token good for one Private SSE connection, for 24 hours. At most `tokens_per_hour` (10 by default) per key per hour.\n\nErrors (`error.code`):\n- 401: `unauthorized` (missing, unknown or revoked key)\n- 403: `forbidden` (the key lacks the `stream` scope)\n- 408: `request_timeout` (request head or body not received in time)\n- 429: `token_rate_limited` (`Retry-After`)\n- 503: `store_unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "ApiKey": [
                      "stream"
                    ]
                  }
                ],
                "responses": {
                  "201": {
                    "description": "The token (shown once).",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/StreamToken"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "429": {
                    "description": "`token_rate_limited`: the key bought its tokens for this hour.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    },
                    "headers": {
                      "Retry-After": {
                        "$ref": "#/components/headers/RetryAfterRequired"
                      }
                    }
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/sse/private": {
              "get": {
                "operationId": "openPrivateStream",
                "tags": [
                  "Private SSE"
                ],
                "summary": "Open a Private SSE stream",
                "description": "Opens a Private SSE stream (`text/event-stream`): complete, untruncated public tweets and profile updates matching the filters.\n\nThe body is a Server-Sent Events stream: `retry: 5000`, then events whose `data` is one JSON object `{\"type\": …, \"data\": {…}}`:\n- `status` first (`{\"type\":\"status\",\"data\":{\"status\":\"connected\",\"connection_id\":…,\"filters\":{…},\"limits\":{…},\"expires_at\":…}}`), later `limit` (`skipped`), `replay_unavailable`, `resume_ignored`, and `disconnected` with a `reason` (`idle_timeout`, `token_expired`, `key_revoked`, `shutdown`, `slow_reader`, `lease_lost`, `log_rewound`, `behind_the_log`, `closed_by_operator`) before every close by the server (`connection_id` is how the admin API's `GET /v1/admin/connections` names the stream);\n- `tweet` (ids as strings) and `user` (profile updates of users named in `users`), each with its log sequence number as SSE `id`.\nA `: keepalive` comment goes out every 15 s. With `event_names=false` the same payloads come as unnamed events.\n\nFilters combine with AND across kinds and OR within a kind; a repeated parameter adds to its list. An unknown parameter or a malformed value is refused, never ignored. Limits per key: `max_connections` concurrent streams (3 by default), `events_per_second` per stream (5; the rest are skipped and counted in `limit` notices), `idle_timeout_seconds` (1800).\n\nResuming: the last id seen in `Last-Event-ID` (or `last_event_id`) replays what was missed that matches the filters (within the 24 h replay window), then the live flow.\n\nErrors (`error.code`):\n- 400: `unknown_parameter`, `invalid_filter` (a malformed filter; the message names it), `invalid_parameter` (`event_names`, `Last-Event-ID`)\n- 401: `token_required`, `invalid_token`, `token_used`, `token_expired`, `key_revoked`\n- 408: `request_timeout` (request head or body not received in time)\n- 413: `body_too_large` (over 16 KB)\n- 429: `too_many_connections` (`Retry-After`)\n- 503: `store_unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [],
                "parameters": [
                  {
                    "name": "token",
                    "in": "query",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "A stream token from `POST /sse/token` (single use)."
                  },
                  {
                    "name": "keywords",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "Comma-separated, 1 to 100 entries of at most 60 characters: whole words, case-insensitive; `#tag` only the hashtag; `climate change` needs both words."
                  },
                  {
                    "name": "users",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "Comma-separated, 1 to 100 usernames (`@` optional, case-insensitive) or numeric user ids of the author."
                  },
                  {
                    "name": "min_followers",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "description": "The author has at least this many followers."
                  },
                  {
                    "name": "verified",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string",
                      "enum": [
                        "true",
                        "false"
                      ]
                    },
                    "description": "The author is (or is not) verified."
                  },
                  {
                    "name": "language",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "Comma-separated, 1 to 20 BCP-47 codes, compared by primary language (`pt` matches `pt-BR`)."
                  },
                  {
                    "name": "min_retweets",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "description": "The tweet's retweet count as ingested."
                  },
                  {
                    "name": "last_event_id",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "description": "Resume after this sequence number (the `Last-Event-ID` header takes precedence)."
                  },
                  {
                    "name": "event_names",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string",
                      "enum": [
                        "true",
                        "false"
                      ],
                      "default": "true"
                    },
                    "description": "`false`: unnamed events, for clients that only set `onmessage`."
                  },
                  {
                    "name": "Last-Event-ID",
                    "in": "header",
                    "required": false,
                    "schema": {
                      "type": "string",
                      "pattern": "^[0-9]*$"
                    },
                    "description": "Resume after this sequence number (sent by `EventSource` by itself)."
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The stream. Every response carries `Access-Control-Allow-Origin: *`.",
                    "headers": {
                      "Access-Control-Allow-Origin": {
                        "schema": {
                          "type": "string",
                          "const": "*"
                        }
                      }
                    },
                    "content": {
                      "text/event-stream": {
                        "schema": {
                          "$ref": "#/components/schemas/PrivateSSEEvent"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "`unknown_parameter`, `invalid_filter`, `invalid_parameter`.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "`token_required`, `invalid_token`, `token_used`, `token_expired`, `key_revoked`.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "`body_too_large`.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "429": {
                    "description": "`too_many_connections`: the key holds its limit of concurrent streams.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    },
                    "headers": {
                      "Retry-After": {
                        "$ref": "#/components/headers/RetryAfterRequired"
                      }
                    }
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/events": {
              "post": {
                "operationId": "publishEvents",
                "tags": [
                  "events"
                ],
                "summary": "Publish a batch of events",
                "description": "Publishes a batch of 1 to 10,000 events: a JSON array (or one event object), or NDJSON (one event per line) with `Content-Type: application/x-ndjson`. The batch is validated as a whole: one bad event and nothing is stored, and the error names the event's `index`. Events are durable before the answer is sent. A body over `--max-body-bytes` (8 MiB by default) is refused with 413 `payload_too_large`; an event whose JSON, as stored, is over `--max-event-bytes` (131072 by default) with 413 `event_too_large` and its `index`. Each entity list (`entities.hashtags`, `mentions`, `urls`) holds at most 100 entries of 1 to 140, 50 and 2,048 characters respectively (beyond: 400 `invalid_event` with `index`).\n\nIdempotency: with an `Idempotency-Key`, a retry with the same key and the same body answers 200 with the original acknowledgement and `Idempotent-Replayed: true`, storing nothing; the same key with a different body is 422 `idempotency_key_reused`. Keys are kept 24 hours.\n\nErrors (`error.code`):\n- 400: `invalid_event` (malformed JSON, wrong types, missing fields, unknown event type, empty batch, too many entities; `index`), `unknown_reference`, `duplicate_id`, `invalid_reference` (`index`), `invalid_idempotency_key`\n- 401: `unauthorized`\n- 403: `forbidden` (the key lacks the `ingest` scope)\n- 408: `request_timeout` (request head or body not received in time)\n- 413: `payload_too_large`, `event_too_large` (`index`)\n- 422: `idempotency_key_reused`\n- 503: `store_unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "ApiKey": [
                      "ingest"
                    ]
                  }
                ],
                "parameters": [
                  {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": false,
                    "schema": {
                      "type": "string",
                      "minLength": 1,
                      "maxLength": 255,
                      "pattern": "^[\\x21-\\x7E]{1,255}$"
                    },
                    "description": "1 to 255 visible ASCII characters; kept 24 hours. A malformed key is 400 `invalid_idempotency_key`."
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/EventBatch"
                      },
                      "examples": {
                        "batch": {
                          "summary": "Users, a tweet, a follow and a like",
                          "value": [
                            {
                              "type": "user_update",
                              "data": {
                                "id": 101,
                                "username": "alice",
                                "name": "Alice",
                                "verified": true,
                                "protected": false,
                                "followers_count": 15000
                              }
                            },
                            {
                              "type": "user_update",
                              "data": {
                                "id": 102,
                                "username": "bob",
                                "name": "Bob",
                                "protected": true
                              }
                            },
                            {
                              "type": "tweet",
                              "data": {
                                "id": 5001,
                                "text": "Hello #swift world, cc @bob https://example.com",
                                "created_at": "2024-01-01T12:00:00Z",
                                "lang": "en",
                                "user": {
                                  "id": 101,
                                  "username": "alice",
                                  "name": "Alice",
                                  "verified": true,
                                  "followers_count": 15000
                                },
                                "metrics": {
                                  "retweets": 150,
                                  "likes": 500,
                                  "replies": 25,
                                  "quotes": 10
                                },
                                "geo": {
                                  "place": "San Francisco, CA"
                                }
                              }
                            },
                            {
                              "type": "follow",
                              "data": {
                                "source_id": 102,
                                "target_id": 101
                              }
                            },
                            {
                              "type": "favorite",
                              "data": {
                                "source_id": 102,
                                "tweet_id": 5001
                              }
                            }
                          ]
                        }
                      }
                    },
                    "application/x-ndjson": {
                      "schema": {
                        "type": "string",
                        "description": "One event object per line."
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "Stored (or, with `Idempotent-Replayed: true`, stored before under the same key).",
                    "headers": {
                      "Idempotent-Replayed": {
                        "description": "`true` when the answer is a replay of the original one.",
                        "schema": {
                          "type": "string",
                          "enum": [
                            "true"
                          ]
                        }
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Accepted"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "`invalid_event`, `unknown_reference`, `duplicate_id`, `invalid_reference` (with `index`); `invalid_idempotency_key`.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "413": {
                    "description": "`payload_too_large`; `event_too_large` (with `index`).",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "422": {
                    "description": "`idempotency_key_reused`: the key was used with a different body.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "description": "`server_busy`: the server is at its connection cap; `store_unavailable`: the store cannot be written, nothing was stored. Retry after `Retry-After`.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    },
                    "headers": {
                      "Retry-After": {
                        "$ref": "#/components/headers/RetryAfter"
                      }
                    }
                  }
                }
              },
              "get": {
                "operationId": "readEvents",
                "tags": [
                  "events"
                ],
                "summary": "Read the event log",
                "description": "Stored events in order, each with its sequence number; page with `after=last_seq`. Needs a key with the `read` scope.\n\nErrors (`error.code`):\n- 400: `invalid_parameter` (`after`, `limit`), `unknown_parameter`\n- 401: `unauthorized`\n- 403: `forbidden` (the key lacks the `read` scope)\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `store_unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "ApiKey": [
                      "read"
                    ]
                  }
                ],
                "parameters": [
                  {
                    "name": "after",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 0,
                      "default": 0
                    },
                    "description": "Events after this sequence number."
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 1000,
                      "default": 100
                    },
                    "description": "At most this many events."
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of the log.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/EventPage"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/InvalidParameter"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/Forbidden"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "description": "`server_busy`: the server is at its connection cap; `store_unavailable`: the store cannot be read. Retry after `Retry-After`.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    },
                    "headers": {
                      "Retry-After": {
                        "$ref": "#/components/headers/RetryAfter"
                      }
                    }
                  }
                }
              }
            },
            "/v1/admin/keys": {
              "post": {
                "operationId": "createKey",
                "tags": [
                  "admin"
                ],
                "summary": "Create an API key",
                "description": "Creates a key; its secret (`key`) is shown only in this answer. Scopes: `stream` (Private SSE tokens), `ingest` (publish events), `read` (read the log).\n\nErrors (`error.code`):\n- 400: `invalid_request` (malformed body, bad name, no or unknown scope, limits below 1), `unknown_field` (a field the body does not take)\n- 401: `unauthorized` (missing or wrong admin token)\n- 403: `admin_disabled` (no admin token configured)\n- 408: `request_timeout` (request head or body not received in time)\n- 413: `payload_too_large` (body over 64 KB)\n- 503: `store_unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "AdminToken": []
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/KeyRequest"
                      },
                      "examples": {
                        "example": {
                          "value": {
                            "name": "my-producer",
                            "scopes": [
                              "ingest"
                            ]
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "The key, with its secret.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/APIKey"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/InvalidRequest"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/AdminDisabled"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              },
              "get": {
                "operationId": "listKeys",
                "tags": [
                  "admin"
                ],
                "summary": "List API keys",
                "description": "Every key, revoked ones included, never their secrets.\n\nErrors (`error.code`):\n- 401: `unauthorized` (missing or wrong admin token)\n- 403: `admin_disabled` (no admin token configured)\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `store_unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "AdminToken": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The keys.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "keys"
                          ],
                          "properties": {
                            "keys": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/APIKey"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/AdminDisabled"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/admin/keys/{id}": {
              "delete": {
                "operationId": "revokeKey",
                "tags": [
                  "admin"
                ],
                "summary": "Revoke an API key",
                "description": "Effective at once: the key's open streams end (on every node) and its unused tokens stop working.\n\nErrors (`error.code`):\n- 404: `not_found`\n- 401: `unauthorized` (missing or wrong admin token)\n- 403: `admin_disabled` (no admin token configured)\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `store_unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "AdminToken": []
                  }
                ],
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The key's id (`key_…`)."
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The revoked key.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/APIKey"
                        }
                      }
                    }
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/AdminDisabled"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/admin/apps": {
              "post": {
                "operationId": "createApp",
                "tags": [
                  "admin"
                ],
                "summary": "Create a Site Streams app",
                "description": "Its consumer key and secret and its owner's access token and secret; the secrets are shown only in this answer.\n\nErrors (`error.code`):\n- 400: `invalid_request`, `unknown_field`\n- 401: `unauthorized` (missing or wrong admin token)\n- 403: `admin_disabled` (no admin token configured)\n- 408: `request_timeout` (request head or body not received in time)\n- 413: `payload_too_large` (body over 64 KB)\n- 503: `store_unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "AdminToken": []
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/AppRequest"
                      },
                      "examples": {
                        "example": {
                          "value": {
                            "name": "my-push-service"
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "The app, with its secrets.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/App"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/InvalidRequest"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/AdminDisabled"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              },
              "get": {
                "operationId": "listApps",
                "tags": [
                  "admin"
                ],
                "summary": "List Site Streams apps",
                "description": "Every app, without its secrets.\n\nErrors (`error.code`):\n- 401: `unauthorized` (missing or wrong admin token)\n- 403: `admin_disabled` (no admin token configured)\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `store_unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "AdminToken": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The apps.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "apps"
                          ],
                          "properties": {
                            "apps": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/App"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/AdminDisabled"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/admin/apps/{id}/grants": {
              "post": {
                "operationId": "grantApp",
                "tags": [
                  "admin"
                ],
                "summary": "Record that a user authorized an app",
                "description": "The user (known from ingested events) may then be carried by the app's site streams.\n\nErrors (`error.code`):\n- 400: `invalid_request`, `unknown_field`\n- 404: `not_found` (no such app or user)\n- 401: `unauthorized` (missing or wrong admin token)\n- 403: `admin_disabled` (no admin token configured)\n- 408: `request_timeout` (request head or body not received in time)\n- 413: `payload_too_large` (body over 64 KB)\n- 503: `store_unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "AdminToken": []
                  }
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/AppID"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/GrantRequest"
                      },
                      "examples": {
                        "example": {
                          "value": {
                            "user_id": 101
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "The grant.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Grant"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/InvalidRequest"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/AdminDisabled"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              },
              "get": {
                "operationId": "listGrants",
                "tags": [
                  "admin"
                ],
                "summary": "List an app's grants",
                "description": "The users who granted the app access, in id order; page with `after=next_after`.\n\nErrors (`error.code`):\n- 400: `invalid_parameter` (`after`, `limit`), `unknown_parameter`\n- 404: `not_found` (no such app)\n- 401: `unauthorized` (missing or wrong admin token)\n- 403: `admin_disabled` (no admin token configured)\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `store_unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "AdminToken": []
                  }
                ],
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The app's id (`app_…`)."
                  },
                  {
                    "name": "after",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 0,
                      "default": 0
                    },
                    "description": "Users with an id above this one."
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 1000,
                      "default": 100
                    },
                    "description": "At most this many users."
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of the grants.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/GrantList"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/InvalidParameter"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/AdminDisabled"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/admin/apps/{id}/grants/{user_id}": {
              "delete": {
                "operationId": "revokeGrant",
                "tags": [
                  "admin"
                ],
                "summary": "Revoke a user's grant",
                "description": "The user's streams get `access_revoked` and the user leaves every stream of the app, at once.\n\nErrors (`error.code`):\n- 400: `invalid_parameter` (`user_id`)\n- 404: `not_found` (no such app, or no such grant)\n- 401: `unauthorized` (missing or wrong admin token)\n- 403: `admin_disabled` (no admin token configured)\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `store_unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "AdminToken": []
                  }
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/AppID"
                  },
                  {
                    "name": "user_id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "integer",
                      "format": "int64"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The revoked grant.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Grant"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/InvalidParameter"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/AdminDisabled"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/1.1/site.json": {
              "get": {
                "operationId": "openSiteStream",
                "tags": [
                  "Site Streams"
                ],
                "summary": "Open a Site Streams connection",
                "description": "Opens a Site Streams connection: the personal streams of many users multiplexed on one connection, in the shapes of Twitter's v1.1 streaming API. Signed with OAuth 1.0a (HMAC-SHA1) by the app's consumer secret and its owner's access token secret; timestamps within 5 minutes, each nonce once. Parameters may also come in an `application/x-www-form-urlencoded` body; the `oauth_*` parameters in the `Authorization` header, the query or the form.\n\nThe body (`application/json`, one message per line, or each preceded by its length with `delimited=length`; Server-Sent Events with `Accept: text/event-stream`) starts with a keep-alive (`\\r\\n`), then `{\"control\":{\"control_uri\":\"/1.1/site/c/STREAM_ID\"}}`, then each user's friends preamble `{\"for_user\":ID,\"message\":{\"friends\":[…]}}`; every later message is `{\"for_user\":ID,\"message\":{…}}`: tweets, `delete`, `direct_message`, events (`follow`, `unfollow`, `favorite`, `unfavorite`, `block`, `unblock`, `user_update`, `access_revoked`), `warning` and `disconnect`. A blank line every 30 s keeps the connection open. At most 25 new connections per second per app.\n\nErrors (`error.code`):\n- 400: `unknown_parameter`, `missing_parameter` (`follow`), `invalid_parameter`\n- 401: `unauthorized` (missing, malformed or invalid OAuth signature, stale timestamp, reused nonce, not the owner's token)\n- 406: `not_acceptable` (`track`, `locations`, `language`, `count`, `filter_level`)\n- 408: `request_timeout` (request head or body not received in time)\n- 413: `too_many_users` (over 100 in `follow`), `body_too_large` (over 16 KB)\n- 420: `enhance_your_calm` (over 25 connections per second; `Retry-After`, back off exponentially)\n- 503: `unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "OAuth1": []
                  }
                ],
                "responses": {
                  "200": {
                    "$ref": "#/components/responses/SiteStream200"
                  },
                  "400": {
                    "$ref": "#/components/responses/SiteStream400"
                  },
                  "401": {
                    "$ref": "#/components/responses/SiteStream401"
                  },
                  "406": {
                    "$ref": "#/components/responses/SiteStream406"
                  },
                  "413": {
                    "$ref": "#/components/responses/SiteStream413"
                  },
                  "420": {
                    "$ref": "#/components/responses/SiteStream420"
                  },
                  "408": {
                    "$ref": "#/components/responses/SiteStream408"
                  },
                  "503": {
                    "$ref": "#/components/responses/SiteStream503"
                  }
                },
                "parameters": [
                  {
                    "name": "follow",
                    "in": "query",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[1-9][0-9]{0,18}(,[1-9][0-9]{0,18})*$"
                    },
                    "description": "A comma list of 1 to 100 user ids (more: 413 `too_many_users`); users who never granted the app access are skipped silently."
                  },
                  {
                    "name": "with",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string",
                      "enum": [
                        "user",
                        "followings"
                      ],
                      "default": "user"
                    },
                    "description": "`user`: what concerns each user; `followings`: also the tweets of the accounts they follow."
                  },
                  {
                    "name": "replies",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string",
                      "enum": [
                        "all"
                      ]
                    },
                    "description": "With `followings`: also replies to accounts the user does not follow."
                  },
                  {
                    "name": "stringify_friend_ids",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string",
                      "enum": [
                        "true",
                        "false"
                      ]
                    },
                    "description": "The friends preamble as `friends_str`."
                  },
                  {
                    "name": "delimited",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string",
                      "enum": [
                        "length"
                      ]
                    },
                    "description": "Each message preceded by its length in bytes."
                  },
                  {
                    "name": "stall_warnings",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string",
                      "enum": [
                        "true",
                        "false"
                      ]
                    },
                    "description": "A `FALLING_BEHIND` warning when the queue passes 60%."
                  }
                ]
              },
              "post": {
                "operationId": "openSiteStreamPost",
                "tags": [
                  "Site Streams"
                ],
                "summary": "Open a Site Streams connection (parameters in a form body)",
                "description": "The same stream as `GET /1.1/site.json`, with its parameters (and, optionally, the `oauth_*` ones) in an `application/x-www-form-urlencoded` body of at most 16 KB. Responses and errors are those of the `GET`.",
                "security": [
                  {
                    "OAuth1": []
                  }
                ],
                "responses": {
                  "200": {
                    "$ref": "#/components/responses/SiteStream200"
                  },
                  "400": {
                    "$ref": "#/components/responses/SiteStream400"
                  },
                  "401": {
                    "$ref": "#/components/responses/SiteStream401"
                  },
                  "406": {
                    "$ref": "#/components/responses/SiteStream406"
                  },
                  "413": {
                    "$ref": "#/components/responses/SiteStream413"
                  },
                  "420": {
                    "$ref": "#/components/responses/SiteStream420"
                  },
                  "408": {
                    "$ref": "#/components/responses/SiteStream408"
                  },
                  "503": {
                    "$ref": "#/components/responses/SiteStream503"
                  }
                },
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/x-www-form-urlencoded": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "follow"
                        ],
                        "properties": {
                          "follow": {
                            "type": "string",
                            "pattern": "^[1-9][0-9]{0,18}(,[1-9][0-9]{0,18})*$",
                            "description": "A comma list of 1 to 100 user ids (more: 413 `too_many_users`); users who never granted the app access are skipped silently."
                          },
                          "with": {
                            "type": "string",
                            "enum": [
                              "user",
                              "followings"
                            ],
                            "default": "user",
                            "description": "`user`: what concerns each user; `followings`: also the tweets of the accounts they follow."
                          },
                          "replies": {
                            "type": "string",
                            "enum": [
                              "all"
                            ],
                            "description": "With `followings`: also replies to accounts the user does not follow."
                          },
                          "stringify_friend_ids": {
                            "type": "string",
                            "enum": [
                              "true",
                              "false"
                            ],
                            "description": "The friends preamble as `friends_str`."
                          },
                          "delimited": {
                            "type": "string",
                            "enum": [
                              "length"
                            ],
                            "description": "Each message preceded by its length in bytes."
                          },
                          "stall_warnings": {
                            "type": "string",
                            "enum": [
                              "true",
                              "false"
                            ],
                            "description": "A `FALLING_BEHIND` warning when the queue passes 60%."
                          }
                        }
                      }
                    }
                  }
                }
              }
            },
            "/1.1/site/c/{stream_id}/add_user.json": {
              "post": {
                "operationId": "controlAddUser",
                "tags": [
                  "Site Streams"
                ],
                "summary": "Add users to a site stream",
                "description": "Adds users who granted the app access (others are skipped); their friends preambles follow on the stream. At most 100 ids per call and 1,000 users per connection. Signed like the stream itself; another app's stream is 404. Parameters may also come in an `application/x-www-form-urlencoded` body; the `oauth_*` parameters in the `Authorization` header, the query or the form.\n\nErrors (`error.code`):\n- 400: `missing_parameter`, `invalid_parameter` (`user_id`), `unknown_parameter`\n- 401: `unauthorized`\n- 404: `not_found` (no open stream with this id for this app)\n- 408: `request_timeout` (request head or body not received in time)\n- 413: `too_many_users`, `payload_too_large` (body over 64 KB)\n- 503: `store_unavailable`, `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "OAuth1": []
                  }
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/StreamID"
                  },
                  {
                    "$ref": "#/components/parameters/ControlUserIDs"
                  }
                ],
                "responses": {
                  "401": {
                    "$ref": "#/components/responses/OAuthUnauthorized"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "200": {
                    "description": "The users added, and those skipped.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ControlUsersAdded"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/ControlBadRequest"
                  },
                  "413": {
                    "$ref": "#/components/responses/ControlTooManyUsers"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/ControlUnavailable"
                  }
                }
              }
            },
            "/1.1/site/c/{stream_id}/remove_user.json": {
              "post": {
                "operationId": "controlRemoveUser",
                "tags": [
                  "Site Streams"
                ],
                "summary": "Remove users from a site stream",
                "description": "Nothing more is sent for them, at once. Signed like the stream itself; another app's stream is 404. Parameters may also come in an `application/x-www-form-urlencoded` body; the `oauth_*` parameters in the `Authorization` header, the query or the form.\n\nErrors (`error.code`):\n- 400: `missing_parameter`, `invalid_parameter` (`user_id`), `unknown_parameter`\n- 401: `unauthorized`\n- 404: `not_found` (no open stream with this id for this app)\n- 408: `request_timeout` (request head or body not received in time)\n- 413: `too_many_users` (over 100 ids), `payload_too_large` (body over 64 KB)\n- 503: `store_unavailable`, `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "OAuth1": []
                  }
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/StreamID"
                  },
                  {
                    "$ref": "#/components/parameters/ControlUserIDs"
                  }
                ],
                "responses": {
                  "401": {
                    "$ref": "#/components/responses/OAuthUnauthorized"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "200": {
                    "description": "The users removed.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ControlUsersRemoved"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/ControlBadRequest"
                  },
                  "413": {
                    "$ref": "#/components/responses/ControlTooManyUsers"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/ControlUnavailable"
                  }
                }
              }
            },
            "/1.1/site/c/{stream_id}/info.json": {
              "get": {
                "operationId": "controlInfo",
                "tags": [
                  "Site Streams"
                ],
                "summary": "Describe a site stream",
                "description": "The users the stream carries and its options. Signed like the stream itself; another app's stream is 404. Parameters may also come in an `application/x-www-form-urlencoded` body; the `oauth_*` parameters in the `Authorization` header, the query or the form.\n\nErrors (`error.code`):\n- 401: `unauthorized`\n- 404: `not_found` (no open stream with this id for this app)\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `store_unavailable`, `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "OAuth1": []
                  }
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/StreamID"
                  }
                ],
                "responses": {
                  "401": {
                    "$ref": "#/components/responses/OAuthUnauthorized"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "200": {
                    "description": "The stream.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ControlInfo"
                        }
                      }
                    }
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/ControlUnavailable"
                  }
                }
              }
            },
            "/1.1/site/c/{stream_id}/friends/ids.json": {
              "get": {
                "operationId": "controlFriends",
                "tags": [
                  "Site Streams"
                ],
                "summary": "Friends of a user a site stream carries",
                "description": "A page of up to 5,000 ids (cursors are offsets: -1 starts, `next_cursor` 0 ends). Signed like the stream itself; another app's stream is 404. Parameters may also come in an `application/x-www-form-urlencoded` body; the `oauth_*` parameters in the `Authorization` header, the query or the form.\n\nErrors (`error.code`):\n- 400: `missing_parameter` (`user_id`), `invalid_parameter` (`cursor`), `unknown_parameter`\n- 401: `unauthorized`\n- 404: `not_found` (no open stream with this id for this app)\n- 408: `request_timeout` (request head or body not received in time)\n- 413: `payload_too_large` (body over 64 KB)\n- 503: `store_unavailable`, `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "OAuth1": []
                  }
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/StreamID"
                  },
                  {
                    "$ref": "#/components/parameters/ControlUserID"
                  },
                  {
                    "$ref": "#/components/parameters/Cursor"
                  }
                ],
                "responses": {
                  "401": {
                    "$ref": "#/components/responses/OAuthUnauthorized"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "200": {
                    "$ref": "#/components/responses/ControlFriends200"
                  },
                  "400": {
                    "$ref": "#/components/responses/ControlBadRequest"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/ControlUnavailable"
                  }
                }
              },
              "post": {
                "operationId": "controlFriendsPost",
                "tags": [
                  "Site Streams"
                ],
                "summary": "Friends of a user a site stream carries",
                "description": "A page of up to 5,000 ids (cursors are offsets: -1 starts, `next_cursor` 0 ends). Signed like the stream itself; another app's stream is 404. Parameters may also come in an `application/x-www-form-urlencoded` body; the `oauth_*` parameters in the `Authorization` header, the query or the form.\n\nErrors (`error.code`):\n- 400: `missing_parameter` (`user_id`), `invalid_parameter` (`cursor`), `unknown_parameter`\n- 401: `unauthorized`\n- 404: `not_found` (no open stream with this id for this app)\n- 408: `request_timeout` (request head or body not received in time)\n- 413: `payload_too_large` (body over 64 KB)\n- 503: `store_unavailable`, `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "OAuth1": []
                  }
                ],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/StreamID"
                  },
                  {
                    "$ref": "#/components/parameters/ControlUserID"
                  },
                  {
                    "$ref": "#/components/parameters/Cursor"
                  }
                ],
                "responses": {
                  "401": {
                    "$ref": "#/components/responses/OAuthUnauthorized"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "200": {
                    "$ref": "#/components/responses/ControlFriends200"
                  },
                  "400": {
                    "$ref": "#/components/responses/ControlBadRequest"
                  },
                  "413": {
                    "$ref": "#/components/responses/PayloadTooLarge"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/ControlUnavailable"
                  }
                }
              }
            },
            "/": {
              "get": {
                "operationId": "root",
                "tags": [
                  "operations"
                ],
                "summary": "The operator console's address",
                "description": "Redirects to `/console`.\n\nErrors (`error.code`):\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `server_busy` (connection cap reached; `Retry-After`)",
                "security": [],
                "responses": {
                  "302": {
                    "description": "To the console.",
                    "headers": {
                      "Location": {
                        "schema": {
                          "type": "string"
                        },
                        "description": "`/console`."
                      }
                    }
                  },
                  "200": {
                    "description": "The console's page, for a client that follows the redirect.",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/ServerBusy"
                  }
                }
              }
            },
            "/console": {
              "get": {
                "operationId": "console",
                "tags": [
                  "operations"
                ],
                "summary": "The operator console",
                "description": "The console's page, embedded in the binary; it signs in with the admin token (kept in the tab's session storage, sent as a `Bearer` header) and reads the admin API. A strict `Content-Security-Policy`: no inline script or style, nothing from elsewhere.\n\nErrors (`error.code`):\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `server_busy` (connection cap reached; `Retry-After`)",
                "security": [],
                "responses": {
                  "200": {
                    "description": "The operator console.",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/ServerBusy"
                  }
                }
              }
            },
            "/console/console.js": {
              "get": {
                "operationId": "consoleScript",
                "tags": [
                  "operations"
                ],
                "summary": "The console's script",
                "description": "Embedded in the binary.\n\nErrors (`error.code`):\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `server_busy` (connection cap reached; `Retry-After`)",
                "security": [],
                "responses": {
                  "200": {
                    "description": "The console's script.",
                    "content": {
                      "text/javascript": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/ServerBusy"
                  }
                }
              }
            },
            "/console/console.css": {
              "get": {
                "operationId": "consoleStyle",
                "tags": [
                  "operations"
                ],
                "summary": "The console's style",
                "description": "Embedded in the binary.\n\nErrors (`error.code`):\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `server_busy` (connection cap reached; `Retry-After`)",
                "security": [],
                "responses": {
                  "200": {
                    "description": "The console's style.",
                    "content": {
                      "text/css": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/ServerBusy"
                  }
                }
              }
            },
            "/v1/admin/stats": {
              "get": {
                "operationId": "stats",
                "tags": [
                  "admin"
                ],
                "summary": "This node's figures",
                "description": "The same series as `/metrics`, as JSON: what the operator console draws.\n\nErrors (`error.code`):\n- 401: `unauthorized` (missing or wrong admin token)\n- 403: `admin_disabled` (no admin token configured)\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "AdminToken": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "One reading.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Stats"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/AdminDisabled"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/ServerBusy"
                  }
                }
              }
            },
            "/v1/admin/stats/stream": {
              "get": {
                "operationId": "statsStream",
                "tags": [
                  "admin"
                ],
                "summary": "This node's figures, live",
                "description": "Server-Sent Events: a `stats` event a second, each a `Stats` reading as its data, until the client leaves or the server shuts down. Read it with `fetch` (an `EventSource` cannot send the admin token).\n\nErrors (`error.code`):\n- 401: `unauthorized` (missing or wrong admin token)\n- 403: `admin_disabled` (no admin token configured)\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "AdminToken": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The stream.",
                    "content": {
                      "text/event-stream": {
                        "schema": {
                          "$ref": "#/components/schemas/StatsEvent"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/AdminDisabled"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/ServerBusy"
                  }
                }
              }
            },
            "/v1/admin/events": {
              "get": {
                "operationId": "adminReadEvents",
                "tags": [
                  "admin"
                ],
                "summary": "Read the event log (admin)",
                "description": "The log exactly as `GET /v1/events` gives it to a `read` key, for the operator console's log browser: stored events in order, each with its sequence number; page with `after=last_seq`.\n\nErrors (`error.code`):\n- 400: `invalid_parameter` (`after`, `limit`), `unknown_parameter`\n- 401: `unauthorized` (missing or wrong admin token)\n- 403: `admin_disabled` (no admin token configured)\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `store_unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "AdminToken": []
                  }
                ],
                "parameters": [
                  {
                    "name": "after",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 0,
                      "default": 0
                    },
                    "description": "Events after this sequence number."
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 1000,
                      "default": 100
                    },
                    "description": "At most this many events."
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of the log.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/EventPage"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/InvalidParameter"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/AdminDisabled"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "description": "`server_busy`: the server is at its connection cap; `store_unavailable`: the store cannot be read. Retry after `Retry-After`.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    },
                    "headers": {
                      "Retry-After": {
                        "$ref": "#/components/headers/RetryAfter"
                      }
                    }
                  }
                }
              }
            },
            "/v1/admin/keys/{id}/tokens": {
              "post": {
                "operationId": "adminIssueStreamToken",
                "tags": [
                  "admin"
                ],
                "summary": "Buy a stream token for a key",
                "description": "The admin buys a single-use Private SSE token for the key `id`, as the key itself would with `POST /sse/token` (the operator console's stream viewer does): the key's rules hold, its `stream` scope and its `tokens_per_hour`, which this purchase counts against. Takes no body.\n\nErrors (`error.code`):\n- 404: `not_found` (no such key)\n- 403: `forbidden` (the key lacks the `stream` scope)\n- 409: `key_revoked`\n- 415: `unsupported_media_type` (a body)\n- 429: `token_rate_limited` (`Retry-After`)\n- 401: `unauthorized` (missing or wrong admin token)\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `store_unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "AdminToken": []
                  }
                ],
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The key's id (`key_…`)."
                  }
                ],
                "responses": {
                  "201": {
                    "description": "The token (shown once).",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/StreamToken"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "`admin_disabled`: no admin token is configured; `forbidden`: the key lacks the `stream` scope.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "409": {
                    "description": "`key_revoked`: the key is revoked.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "415": {
                    "description": "`unsupported_media_type`: the request has a body.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    }
                  },
                  "429": {
                    "description": "`token_rate_limited`: the key bought its tokens for this hour.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Error"
                        }
                      }
                    },
                    "headers": {
                      "Retry-After": {
                        "$ref": "#/components/headers/RetryAfterRequired"
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/admin/connections": {
              "get": {
                "operationId": "listConnections",
                "tags": [
                  "admin"
                ],
                "summary": "The open streams, on every node",
                "description": "Every open Private SSE stream and Site Streams connection: on this node, and with PostgreSQL on every node heard from in the last seconds or holding live leases (asked over the cluster bus; a node that does not answer within 2 s is named in `unreachable_nodes`).\n\nErrors (`error.code`):\n- 401: `unauthorized` (missing or wrong admin token)\n- 403: `admin_disabled` (no admin token configured)\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `store_unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "AdminToken": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The open streams.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ConnectionList"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/AdminDisabled"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/admin/connections/{id}": {
              "delete": {
                "operationId": "closeConnection",
                "tags": [
                  "admin"
                ],
                "summary": "Close one open stream",
                "description": "Ends the stream `id` on whichever node holds it, telling its client why as its API does: Private SSE sends the `status` event `disconnected` with `reason: closed_by_operator`; Site Streams sends `disconnect` with code 3. The client may reconnect.\n\nErrors (`error.code`):\n- 404: `not_found` (no open stream with this id)\n- 503: `node_unreachable` (the node holding the stream did not answer in time; `Retry-After`)\n- 401: `unauthorized` (missing or wrong admin token)\n- 403: `admin_disabled` (no admin token configured)\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `store_unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "AdminToken": []
                  }
                ],
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The stream's `id` as `GET /v1/admin/connections` lists it."
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The stream is closing.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "closed"
                          ],
                          "properties": {
                            "closed": {
                              "type": "string"
                            }
                          }
                        }
                      }
                    }
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/AdminDisabled"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            },
            "/v1/admin/stats/charts/{chart}": {
              "get": {
                "operationId": "statsChart",
                "tags": [
                  "admin"
                ],
                "summary": "A chart of the last minutes",
                "description": "One of the operator console's charts as SVG (no script, no external reference): `throughput` (deliveries and events ingested per second, log axis), `streams` (open streams), `lag` (each node's fan-out lag behind the log), `outbox` (bytes waiting). With several nodes, the cluster's totals.\n\nErrors (`error.code`):\n- 400: `invalid_parameter` (`minutes`), `unknown_parameter`\n- 404: `not_found` (no such chart)\n- 401: `unauthorized` (missing or wrong admin token)\n- 403: `admin_disabled` (no admin token configured)\n- 408: `request_timeout` (request head or body not received in time)\n- 503: `store_unavailable` (`Retry-After`), `server_busy` (connection cap reached; `Retry-After`)",
                "security": [
                  {
                    "AdminToken": []
                  }
                ],
                "parameters": [
                  {
                    "name": "chart",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "enum": [
                        "throughput",
                        "streams",
                        "lag",
                        "outbox"
                      ]
                    }
                  },
                  {
                    "name": "minutes",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 10,
                      "default": 5
                    },
                    "description": "How many minutes the chart covers."
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The chart.",
                    "content": {
                      "image/svg+xml": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/InvalidParameter"
                  },
                  "404": {
                    "$ref": "#/components/responses/NotFound"
                  },
                  "401": {
                    "$ref": "#/components/responses/Unauthorized"
                  },
                  "403": {
                    "$ref": "#/components/responses/AdminDisabled"
                  },
                  "408": {
                    "$ref": "#/components/responses/RequestTimeout"
                  },
                  "503": {
                    "$ref": "#/components/responses/Unavailable"
                  }
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "ApiKey": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "sk_…",
                "description": "An API key's secret: `Authorization: Bearer sk_…`. Scopes (roles): `stream` (buy Private SSE tokens), `ingest` (publish events), `read` (read the log). Missing, unknown or revoked: 401 `unauthorized`; without the scope: 403 `forbidden`."
              },
              "AdminToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "The admin token given to `serve --admin-token` (or `SLUICE_ADMIN_TOKEN`). Wrong or missing: 401 `unauthorized`; with no admin token configured the admin API is off: 403 `admin_disabled`."
              },
              "OAuth1": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "OAuth 1.0a (RFC 5849), HMAC-SHA1, by a Site Streams app's consumer key and secret and its owner's access token and secret: `Authorization: OAuth oauth_consumer_key=\"…\", oauth_token=\"…\", oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"…\", oauth_nonce=\"…\", oauth_version=\"1.0\", oauth_signature=\"…\"`. The `oauth_*` parameters may also come in the query or a form body. Timestamps within 5 minutes; each nonce once."
              }
            },
            "parameters": {
              "AppID": {
                "description": "The app's id (`app_…`).",
                "in": "path",
                "name": "id",
                "required": true,
                "schema": {
                  "type": "string"
                }
              },
              "StreamID": {
                "description": "The stream's id, from its `control_uri`.",
                "in": "path",
                "name": "stream_id",
                "required": true,
                "schema": {
                  "type": "string"
                }
              },
              "ControlUserIDs": {
                "description": "A comma list of 1 to 100 user ids.",
                "in": "query",
                "name": "user_id",
                "required": true,
                "schema": {
                  "pattern": "^[1-9][0-9]{0,18}(,[1-9][0-9]{0,18})*$",
                  "type": "string"
                }
              },
              "ControlUserID": {
                "description": "One user the stream carries.",
                "in": "query",
                "name": "user_id",
                "required": true,
                "schema": {
                  "format": "int64",
                  "type": "integer"
                }
              },
              "Cursor": {
                "description": "-1 for the first page, else a `next_cursor`.",
                "in": "query",
                "name": "cursor",
                "required": false,
                "schema": {
                  "default": -1,
                  "format": "int64",
                  "minimum": -1,
                  "type": "integer"
                }
              }
            },
            "headers": {
              "RetryAfter": {
                "description": "Seconds to wait before retrying.",
                "schema": {
                  "type": "string",
                  "pattern": "^[0-9]+$"
                }
              },
              "RetryAfterRequired": {
                "description": "Seconds to wait before retrying.",
                "required": true,
                "schema": {
                  "type": "string",
                  "pattern": "^[0-9]+$"
                }
              }
            },
            "responses": {
              "Unauthorized": {
                "description": "`unauthorized`: missing, unknown or revoked credentials.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "OAuthUnauthorized": {
                "description": "`unauthorized`: the request is not signed by the app owner's OAuth credentials.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "Forbidden": {
                "description": "`forbidden`: the key lacks the scope.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "AdminDisabled": {
                "description": "`admin_disabled`: no admin token is configured.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "NotFound": {
                "description": "`not_found`.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "PayloadTooLarge": {
                "description": "`payload_too_large`: the body is larger than the server accepts.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "RequestTimeout": {
                "description": "`request_timeout`: the request head or body was not received in time.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "ServerBusy": {
                "description": "`server_busy`: the server is at its connection cap; retry after `Retry-After`.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "headers": {
                  "Retry-After": {
                    "$ref": "#/components/headers/RetryAfter"
                  }
                }
              },
              "SiteStream200": {
                "description": "The stream (`Connection: close`).",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/SiteStreamMessage"
                    }
                  },
                  "text/event-stream": {
                    "schema": {
                      "$ref": "#/components/schemas/SiteStreamEvent"
                    }
                  }
                }
              },
              "SiteStream400": {
                "description": "`unknown_parameter`, `missing_parameter`, `invalid_parameter`.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "SiteStream401": {
                "$ref": "#/components/responses/OAuthUnauthorized"
              },
              "SiteStream406": {
                "description": "`not_acceptable`: a filter parameter of Twitter's other streams.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "SiteStream413": {
                "description": "`too_many_users`, `body_too_large`.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              },
              "SiteStream420": {
                "description": "`enhance_your_calm`: too many new connections for this app.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "headers": {
                  "Retry-After": {
                    "$ref": "#/components/headers/RetryAfterRequired"
                  }
                }
              },
              "SiteStream408": {
                "$ref": "#/components/responses/RequestTimeout"
              },
              "SiteStream503": {
                "description": "`server_busy`: the server is at its connection cap; `unavailable`: try again later. Retry after `Retry-After`.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "headers": {
                  "Retry-After": {
                    "$ref": "#/components/headers/RetryAfter"
                  }
                }
              },
              "Unavailable": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "`server_busy`: the server is at its connection cap; `store_unavailable`: the store cannot be reached. Retry after `Retry-After`.",
                "headers": {
                  "Retry-After": {
                    "$ref": "#/components/headers/RetryAfter"
                  }
                }
              },
              "InvalidParameter": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "`invalid_parameter`."
              },
              "InvalidRequest": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "`invalid_request`."
              },
              "ControlBadRequest": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "`missing_parameter`, `invalid_parameter`, `unknown_parameter`."
              },
              "ControlTooManyUsers": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "`too_many_users`, `payload_too_large`."
              },
              "ControlUnavailable": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "`server_busy`: the server is at its connection cap; `store_unavailable`. Retry after `Retry-After`.",
                "headers": {
                  "Retry-After": {
                    "$ref": "#/components/headers/RetryAfter"
                  }
                }
              },
              "ControlFriends200": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/ControlFriends"
                    }
                  }
                },
                "description": "A page of friends."
              }
            },
            "schemas": {
              "Error": {
                "type": "object",
                "description": "The body of every error response.",
                "required": [
                  "error"
                ],
                "properties": {
                  "error": {
                    "type": "object",
                    "required": [
                      "code",
                      "message"
                    ],
                    "properties": {
                      "code": {
                        "type": "string",
                        "description": "Stable, for programs to switch on."
                      },
                      "message": {
                        "type": "string",
                        "description": "For people."
                      },
                      "index": {
                        "type": "integer",
                        "minimum": 0,
                        "description": "The offending event's position in the batch (batch errors)."
                      }
                    }
                  }
                }
              },
              "Health": {
                "type": "object",
                "required": [
                  "status",
                  "store",
                  "node",
                  "shared_store",
                  "log_rewinds"
                ],
                "properties": {
                  "status": {
                    "type": "string",
                    "enum": [
                      "ok",
                      "unavailable",
                      "log_rewound"
                    ],
                    "description": "`log_rewound` (503): the event log moved backwards (a restored database, a failover to a lagging standby); this node closed its streams and is starting over at the log's head."
                  },
                  "store": {
                    "type": "string",
                    "description": "`ok`, or why the store does not answer."
                  },
                  "log_rewinds": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "How many times this node found the event log moved backwards and started over, since it started."
                  },
                  "node": {
                    "type": "string",
                    "description": "This node's name (with a random suffix)."
                  },
                  "shared_store": {
                    "type": "boolean",
                    "description": "Whether the store is shared by several nodes (PostgreSQL)."
                  },
                  "last_seq": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "The last sequence number of the log (absent when unavailable)."
                  }
                }
              },
              "IdInput": {
                "description": "A 64-bit positive id, as a JSON number or a decimal string.",
                "anyOf": [
                  {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 9223372036854775807
                  },
                  {
                    "type": "string",
                    "pattern": "^\\+?[0-9]{1,19}$"
                  }
                ]
              },
              "IdInputNullable": {
                "description": "A 64-bit positive id (number or decimal string); `null` or absent means none.",
                "anyOf": [
                  {
                    "$ref": "#/components/schemas/IdInput"
                  },
                  {
                    "type": "null"
                  }
                ]
              },
              "UserInput": {
                "type": "object",
                "description": "A profile. The first one for an id creates the user; a field left out keeps its value (`null` clears an optional one). For an account never seen, a missing `protected` means protected and a missing `verified` means not verified.",
                "required": [
                  "id",
                  "username"
                ],
                "properties": {
                  "id": {
                    "$ref": "#/components/schemas/IdInput"
                  },
                  "username": {
                    "type": "string",
                    "pattern": "^[A-Za-z0-9_]{1,50}$"
                  },
                  "name": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "verified": {
                    "type": [
                      "boolean",
                      "null"
                    ]
                  },
                  "protected": {
                    "type": [
                      "boolean",
                      "null"
                    ]
                  },
                  "followers_count": {
                    "type": [
                      "integer",
                      "null"
                    ],
                    "minimum": 0
                  },
                  "following_count": {
                    "type": [
                      "integer",
                      "null"
                    ],
                    "minimum": 0
                  },
                  "description": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "location": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "url": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "profile_image_url": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "created_at": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "format": "date-time"
                  }
                }
              },
              "TweetInput": {
                "type": "object",
                "required": [
                  "id",
                  "text",
                  "created_at",
                  "user"
                ],
                "properties": {
                  "id": {
                    "$ref": "#/components/schemas/IdInput"
                  },
                  "text": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 25000,
                    "description": "Never truncated."
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "ISO 8601, UTC (`2024-01-01T12:00:00Z`)."
                  },
                  "user": {
                    "$ref": "#/components/schemas/UserInput"
                  },
                  "metrics": {
                    "type": [
                      "object",
                      "null"
                    ],
                    "properties": {
                      "retweets": {
                        "type": "integer",
                        "minimum": 0
                      },
                      "likes": {
                        "type": "integer",
                        "minimum": 0
                      },
                      "replies": {
                        "type": "integer",
                        "minimum": 0
                      },
                      "quotes": {
                        "type": "integer",
                        "minimum": 0
                      }
                    }
                  },
                  "entities": {
                    "type": [
                      "object",
                      "null"
                    ],
                    "description": "Derived from the text when absent. Each list holds at most 100 entries, each of 1 to 140 characters (hashtags, with `#`), 50 (mentions, with `@`) or 2,048 (URLs); beyond: 400 `invalid_event` with `index`.",
                    "properties": {
                      "hashtags": {
                        "type": "array",
                        "maxItems": 100,
                        "items": {
                          "type": "string",
                          "minLength": 1,
                          "maxLength": 140
                        },
                        "description": "At most 100 hashtags (`#swift`) of 1 to 140 characters."
                      },
                      "mentions": {
                        "type": "array",
                        "maxItems": 100,
                        "items": {
                          "type": "string",
                          "minLength": 1,
                          "maxLength": 50
                        },
                        "description": "At most 100 mentions (`@alice`) of 1 to 50 characters."
                      },
                      "urls": {
                        "type": "array",
                        "maxItems": 100,
                        "items": {
                          "type": "string",
                          "minLength": 1,
                          "maxLength": 2048
                        },
                        "description": "At most 100 URLs of 1 to 2048 characters."
                      }
                    }
                  },
                  "geo": {
                    "type": [
                      "object",
                      "null"
                    ],
                    "properties": {
                      "place": {
                        "type": [
                          "string",
                          "null"
                        ]
                      },
                      "coordinates": {
                        "description": "`{\"latitude\": …, \"longitude\": …}`, or GeoJSON's `[longitude, latitude]`; stored as the object.",
                        "anyOf": [
                          {
                            "type": "object",
                            "required": [
                              "latitude",
                              "longitude"
                            ],
                            "properties": {
                              "latitude": {
                                "type": "number",
                                "minimum": -90,
                                "maximum": 90
                              },
                              "longitude": {
                                "type": "number",
                                "minimum": -180,
                                "maximum": 180
                              }
                            }
                          },
                          {
                            "type": "array",
                            "minItems": 2,
                            "maxItems": 2,
                            "prefixItems": [
                              {
                                "type": "number",
                                "minimum": -180,
                                "maximum": 180
                              },
                              {
                                "type": "number",
                                "minimum": -90,
                                "maximum": 90
                              }
                            ],
                            "items": {
                              "type": "number"
                            }
                          },
                          {
                            "type": "null"
                          }
                        ]
                      }
                    }
                  },
                  "lang": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "pattern": "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
                    "description": "BCP-47."
                  },
                  "in_reply_to_status_id": {
                    "$ref": "#/components/schemas/IdInputNullable"
                  },
                  "in_reply_to_user_id": {
                    "$ref": "#/components/schemas/IdInputNullable"
                  },
                  "retweeted_status_id": {
                    "$ref": "#/components/schemas/IdInputNullable"
                  },
                  "quoted_status_id": {
                    "$ref": "#/components/schemas/IdInputNullable"
                  }
                }
              },
              "RelationInput": {
                "type": "object",
                "required": [
                  "source_id",
                  "target_id"
                ],
                "properties": {
                  "source_id": {
                    "$ref": "#/components/schemas/IdInput"
                  },
                  "target_id": {
                    "$ref": "#/components/schemas/IdInput"
                  }
                },
                "description": "`source_id` and `target_id` differ."
              },
              "FavoriteInput": {
                "type": "object",
                "required": [
                  "source_id",
                  "tweet_id"
                ],
                "properties": {
                  "source_id": {
                    "$ref": "#/components/schemas/IdInput"
                  },
                  "tweet_id": {
                    "$ref": "#/components/schemas/IdInput"
                  }
                }
              },
              "DeleteInput": {
                "type": "object",
                "required": [
                  "id",
                  "user_id"
                ],
                "properties": {
                  "id": {
                    "$ref": "#/components/schemas/IdInput"
                  },
                  "user_id": {
                    "$ref": "#/components/schemas/IdInput"
                  }
                },
                "description": "`id` is a tweet, `user_id` its author."
              },
              "DirectMessageInput": {
                "type": "object",
                "required": [
                  "id",
                  "sender_id",
                  "recipient_id",
                  "text",
                  "created_at"
                ],
                "properties": {
                  "id": {
                    "$ref": "#/components/schemas/IdInput"
                  },
                  "sender_id": {
                    "$ref": "#/components/schemas/IdInput"
                  },
                  "recipient_id": {
                    "$ref": "#/components/schemas/IdInput"
                  },
                  "text": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 10000
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "ISO 8601, UTC (`2024-01-01T12:00:00Z`)."
                  }
                }
              },
              "EventInput": {
                "description": "One event as published: `{\"type\": KIND, \"data\": {…}}`. Its JSON, as stored, is at most `--max-event-bytes` (131072 by default) bytes.",
                "oneOf": [
                  {
                    "type": "object",
                    "required": [
                      "type",
                      "data"
                    ],
                    "properties": {
                      "type": {
                        "const": "tweet"
                      },
                      "data": {
                        "$ref": "#/components/schemas/TweetInput"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "type",
                      "data"
                    ],
                    "properties": {
                      "type": {
                        "const": "user_update"
                      },
                      "data": {
                        "$ref": "#/components/schemas/UserInput"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "type",
                      "data"
                    ],
                    "properties": {
                      "type": {
                        "const": "follow"
                      },
                      "data": {
                        "$ref": "#/components/schemas/RelationInput"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "type",
                      "data"
                    ],
                    "properties": {
                      "type": {
                        "const": "unfollow"
                      },
                      "data": {
                        "$ref": "#/components/schemas/RelationInput"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "type",
                      "data"
                    ],
                    "properties": {
                      "type": {
                        "const": "block"
                      },
                      "data": {
                        "$ref": "#/components/schemas/RelationInput"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "type",
                      "data"
                    ],
                    "properties": {
                      "type": {
                        "const": "unblock"
                      },
                      "data": {
                        "$ref": "#/components/schemas/RelationInput"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "type",
                      "data"
                    ],
                    "properties": {
                      "type": {
                        "const": "favorite"
                      },
                      "data": {
                        "$ref": "#/components/schemas/FavoriteInput"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "type",
                      "data"
                    ],
                    "properties": {
                      "type": {
                        "const": "unfavorite"
                      },
                      "data": {
                        "$ref": "#/components/schemas/FavoriteInput"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "type",
                      "data"
                    ],
                    "properties": {
                      "type": {
                        "const": "delete"
                      },
                      "data": {
                        "$ref": "#/components/schemas/DeleteInput"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "type",
                      "data"
                    ],
                    "properties": {
                      "type": {
                        "const": "direct_message"
                      },
                      "data": {
                        "$ref": "#/components/schemas/DirectMessageInput"
                      }
                    }
                  }
                ]
              },
              "EventBatch": {
                "description": "A JSON array of 1 to 10,000 events (a single event object is also accepted).",
                "oneOf": [
                  {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 10000,
                    "items": {
                      "$ref": "#/components/schemas/EventInput"
                    }
                  },
                  {
                    "$ref": "#/components/schemas/EventInput"
                  }
                ]
              },
              "Accepted": {
                "type": "object",
                "required": [
                  "accepted",
                  "first_seq",
                  "last_seq"
                ],
                "properties": {
                  "accepted": {
                    "type": "integer",
                    "minimum": 1
                  },
                  "first_seq": {
                    "type": "integer",
                    "minimum": 1
                  },
                  "last_seq": {
                    "type": "integer",
                    "minimum": 1
                  }
                }
              },
              "User": {
                "type": "object",
                "required": [
                  "id",
                  "id_str",
                  "username",
                  "name",
                  "verified",
                  "protected",
                  "followers_count",
                  "following_count"
                ],
                "properties": {
                  "id": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "A 64-bit id; also written as a string in the `_str` field beside it."
                  },
                  "id_str": {
                    "type": "string",
                    "pattern": "^[0-9]+$"
                  },
                  "username": {
                    "type": "string"
                  },
                  "name": {
                    "type": "string"
                  },
                  "verified": {
                    "type": "boolean"
                  },
                  "protected": {
                    "type": "boolean"
                  },
                  "followers_count": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "following_count": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "description": {
                    "type": "string"
                  },
                  "location": {
                    "type": "string"
                  },
                  "url": {
                    "type": "string"
                  },
                  "profile_image_url": {
                    "type": "string"
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "ISO 8601, UTC (`2024-01-01T12:00:00Z`)."
                  }
                }
              },
              "Tweet": {
                "type": "object",
                "required": [
                  "id",
                  "id_str",
                  "text",
                  "user",
                  "created_at",
                  "metrics",
                  "entities"
                ],
                "properties": {
                  "id": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "A 64-bit id; also written as a string in the `_str` field beside it."
                  },
                  "id_str": {
                    "type": "string",
                    "pattern": "^[0-9]+$"
                  },
                  "text": {
                    "type": "string"
                  },
                  "user": {
                    "$ref": "#/components/schemas/User"
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "ISO 8601, UTC (`2024-01-01T12:00:00Z`)."
                  },
                  "metrics": {
                    "type": "object",
                    "required": [
                      "retweets",
                      "likes",
                      "replies",
                      "quotes"
                    ],
                    "properties": {
                      "retweets": {
                        "type": "integer",
                        "minimum": 0
                      },
                      "likes": {
                        "type": "integer",
                        "minimum": 0
                      },
                      "replies": {
                        "type": "integer",
                        "minimum": 0
                      },
                      "quotes": {
                        "type": "integer",
                        "minimum": 0
                      }
                    }
                  },
                  "entities": {
                    "type": "object",
                    "required": [
                      "hashtags",
                      "mentions",
                      "urls"
                    ],
                    "properties": {
                      "hashtags": {
                        "type": "array",
                        "items": {
                          "type": "string"
                        }
                      },
                      "mentions": {
                        "type": "array",
                        "items": {
                          "type": "string"
                        }
                      },
                      "urls": {
                        "type": "array",
                        "items": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "geo": {
                    "type": "object",
                    "properties": {
                      "place": {
                        "type": "string"
                      },
                      "coordinates": {
                        "type": "object",
                        "required": [
                          "latitude",
                          "longitude"
                        ],
                        "properties": {
                          "latitude": {
                            "type": "number"
                          },
                          "longitude": {
                            "type": "number"
                          }
                        }
                      }
                    }
                  },
                  "lang": {
                    "type": "string"
                  },
                  "in_reply_to_status_id": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "A 64-bit id; also written as a string in the `_str` field beside it."
                  },
                  "in_reply_to_status_id_str": {
                    "type": "string",
                    "pattern": "^[0-9]+$"
                  },
                  "in_reply_to_user_id": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "A 64-bit id; also written as a string in the `_str` field beside it."
                  },
                  "in_reply_to_user_id_str": {
                    "type": "string",
                    "pattern": "^[0-9]+$"
                  },
                  "retweeted_status_id": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "A 64-bit id; also written as a string in the `_str` field beside it."
                  },
                  "retweeted_status_id_str": {
                    "type": "string",
                    "pattern": "^[0-9]+$"
                  },
                  "quoted_status_id": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "A 64-bit id; also written as a string in the `_str` field beside it."
                  },
                  "quoted_status_id_str": {
                    "type": "string",
                    "pattern": "^[0-9]+$"
                  }
                }
              },
              "Relation": {
                "type": "object",
                "required": [
                  "source_id",
                  "source_id_str",
                  "target_id",
                  "target_id_str"
                ],
                "properties": {
                  "source_id": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "A 64-bit id; also written as a string in the `_str` field beside it."
                  },
                  "source_id_str": {
                    "type": "string",
                    "pattern": "^[0-9]+$"
                  },
                  "target_id": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "A 64-bit id; also written as a string in the `_str` field beside it."
                  },
                  "target_id_str": {
                    "type": "string",
                    "pattern": "^[0-9]+$"
                  }
                }
              },
              "Favorite": {
                "type": "object",
                "required": [
                  "source_id",
                  "source_id_str",
                  "tweet_id",
                  "tweet_id_str"
                ],
                "properties": {
                  "source_id": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "A 64-bit id; also written as a string in the `_str` field beside it."
                  },
                  "source_id_str": {
                    "type": "string",
                    "pattern": "^[0-9]+$"
                  },
                  "tweet_id": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "A 64-bit id; also written as a string in the `_str` field beside it."
                  },
                  "tweet_id_str": {
                    "type": "string",
                    "pattern": "^[0-9]+$"
                  }
                }
              },
              "Delete": {
                "type": "object",
                "required": [
                  "id",
                  "id_str",
                  "user_id",
                  "user_id_str"
                ],
                "properties": {
                  "id": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "A 64-bit id; also written as a string in the `_str` field beside it."
                  },
                  "id_str": {
                    "type": "string",
                    "pattern": "^[0-9]+$"
                  },
                  "user_id": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "A 64-bit id; also written as a string in the `_str` field beside it."
                  },
                  "user_id_str": {
                    "type": "string",
                    "pattern": "^[0-9]+$"
                  }
                }
              },
              "DirectMessage": {
                "type": "object",
                "required": [
                  "id",
                  "id_str",
                  "sender_id",
                  "sender_id_str",
                  "recipient_id",
                  "recipient_id_str",
                  "text",
                  "created_at"
                ],
                "properties": {
                  "id": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "A 64-bit id; also written as a string in the `_str` field beside it."
                  },
                  "id_str": {
                    "type": "string",
                    "pattern": "^[0-9]+$"
                  },
                  "sender_id": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "A 64-bit id; also written as a string in the `_str` field beside it."
                  },
                  "sender_id_str": {
                    "type": "string",
                    "pattern": "^[0-9]+$"
                  },
                  "recipient_id": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "A 64-bit id; also written as a string in the `_str` field beside it."
                  },
                  "recipient_id_str": {
                    "type": "string",
                    "pattern": "^[0-9]+$"
                  },
                  "text": {
                    "type": "string"
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "ISO 8601, UTC (`2024-01-01T12:00:00Z`)."
                  }
                }
              },
              "StoredEvent": {
                "description": "An event as the log holds it, with its sequence number. Ids are written as numbers and as strings (`id_str`).",
                "oneOf": [
                  {
                    "type": "object",
                    "required": [
                      "seq",
                      "type",
                      "data"
                    ],
                    "properties": {
                      "seq": {
                        "type": "integer",
                        "minimum": 1
                      },
                      "type": {
                        "const": "tweet"
                      },
                      "data": {
                        "$ref": "#/components/schemas/Tweet"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "seq",
                      "type",
                      "data"
                    ],
                    "properties": {
                      "seq": {
                        "type": "integer",
                        "minimum": 1
                      },
                      "type": {
                        "const": "user_update"
                      },
                      "data": {
                        "$ref": "#/components/schemas/User"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "seq",
                      "type",
                      "data"
                    ],
                    "properties": {
                      "seq": {
                        "type": "integer",
                        "minimum": 1
                      },
                      "type": {
                        "const": "follow"
                      },
                      "data": {
                        "$ref": "#/components/schemas/Relation"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "seq",
                      "type",
                      "data"
                    ],
                    "properties": {
                      "seq": {
                        "type": "integer",
                        "minimum": 1
                      },
                      "type": {
                        "const": "unfollow"
                      },
                      "data": {
                        "$ref": "#/components/schemas/Relation"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "seq",
                      "type",
                      "data"
                    ],
                    "properties": {
                      "seq": {
                        "type": "integer",
                        "minimum": 1
                      },
                      "type": {
                        "const": "block"
                      },
                      "data": {
                        "$ref": "#/components/schemas/Relation"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "seq",
                      "type",
                      "data"
                    ],
                    "properties": {
                      "seq": {
                        "type": "integer",
                        "minimum": 1
                      },
                      "type": {
                        "const": "unblock"
                      },
                      "data": {
                        "$ref": "#/components/schemas/Relation"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "seq",
                      "type",
                      "data"
                    ],
                    "properties": {
                      "seq": {
                        "type": "integer",
                        "minimum": 1
                      },
                      "type": {
                        "const": "favorite"
                      },
                      "data": {
                        "$ref": "#/components/schemas/Favorite"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "seq",
                      "type",
                      "data"
                    ],
                    "properties": {
                      "seq": {
                        "type": "integer",
                        "minimum": 1
                      },
                      "type": {
                        "const": "unfavorite"
                      },
                      "data": {
                        "$ref": "#/components/schemas/Favorite"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "seq",
                      "type",
                      "data"
                    ],
                    "properties": {
                      "seq": {
                        "type": "integer",
                        "minimum": 1
                      },
                      "type": {
                        "const": "delete"
                      },
                      "data": {
                        "$ref": "#/components/schemas/Delete"
                      }
                    }
                  },
                  {
                    "type": "object",
                    "required": [
                      "seq",
                      "type",
                      "data"
                    ],
                    "properties": {
                      "seq": {
                        "type": "integer",
                        "minimum": 1
                      },
                      "type": {
                        "const": "direct_message"
                      },
                      "data": {
                        "$ref": "#/components/schemas/DirectMessage"
                      }
                    }
                  }
                ]
              },
              "EventPage": {
                "type": "object",
                "required": [
                  "events",
                  "last_seq"
                ],
                "properties": {
                  "events": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/StoredEvent"
                    }
                  },
                  "last_seq": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "The last event's sequence number (`after` when the page is empty): the next page's `after`."
                  }
                }
              },
              "StreamToken": {
                "type": "object",
                "required": [
                  "token",
                  "expires_at",
                  "stream_url"
                ],
                "properties": {
                  "token": {
                    "type": "string",
                    "pattern": "^st_"
                  },
                  "expires_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "ISO 8601, UTC (`2024-01-01T12:00:00Z`)."
                  },
                  "stream_url": {
                    "type": "string",
                    "description": "`/sse/private?token=…`"
                  }
                }
              },
              "StreamLimitsInput": {
                "type": "object",
                "additionalProperties": false,
                "description": "Per-key Private SSE limits; a field left out takes its default.",
                "properties": {
                  "max_connections": {
                    "type": "integer",
                    "minimum": 1,
                    "default": 3
                  },
                  "events_per_second": {
                    "type": "integer",
                    "minimum": 1,
                    "default": 5
                  },
                  "tokens_per_hour": {
                    "type": "integer",
                    "minimum": 1,
                    "default": 10
                  },
                  "idle_timeout_seconds": {
                    "type": "integer",
                    "minimum": 1,
                    "default": 1800
                  }
                }
              },
              "StreamLimits": {
                "type": "object",
                "required": [
                  "max_connections",
                  "events_per_second",
                  "tokens_per_hour",
                  "idle_timeout_seconds"
                ],
                "properties": {
                  "max_connections": {
                    "type": "integer",
                    "minimum": 1
                  },
                  "events_per_second": {
                    "type": "integer",
                    "minimum": 1
                  },
                  "tokens_per_hour": {
                    "type": "integer",
                    "minimum": 1
                  },
                  "idle_timeout_seconds": {
                    "type": "integer",
                    "minimum": 1
                  }
                }
              },
              "KeyRequest": {
                "type": "object",
                "additionalProperties": false,
                "required": [
                  "name",
                  "scopes"
                ],
                "properties": {
                  "name": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100,
                    "description": "1 to 100 characters once trimmed."
                  },
                  "scopes": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                      "type": "string",
                      "enum": [
                        "stream",
                        "ingest",
                        "read"
                      ]
                    }
                  },
                  "limits": {
                    "anyOf": [
                      {
                        "$ref": "#/components/schemas/StreamLimitsInput"
                      },
                      {
                        "type": "null"
                      }
                    ]
                  }
                }
              },
              "APIKey": {
                "type": "object",
                "required": [
                  "id",
                  "name",
                  "scopes",
                  "limits",
                  "created_at"
                ],
                "properties": {
                  "id": {
                    "type": "string",
                    "description": "`key_…`: public, safe to log."
                  },
                  "key": {
                    "type": "string",
                    "description": "The secret (`sk_…`): only in the answer that created the key."
                  },
                  "name": {
                    "type": "string"
                  },
                  "scopes": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "description": "Of `stream`, `ingest`, `read`."
                  },
                  "limits": {
                    "$ref": "#/components/schemas/StreamLimits"
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "ISO 8601, UTC (`2024-01-01T12:00:00Z`)."
                  },
                  "revoked_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "ISO 8601, UTC (`2024-01-01T12:00:00Z`)."
                  }
                }
              },
              "AppRequest": {
                "type": "object",
                "additionalProperties": false,
                "required": [
                  "name"
                ],
                "properties": {
                  "name": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100,
                    "description": "1 to 100 characters once trimmed."
                  }
                }
              },
              "App": {
                "type": "object",
                "required": [
                  "id",
                  "name",
                  "consumer_key",
                  "access_token",
                  "created_at"
                ],
                "properties": {
                  "id": {
                    "type": "string",
                    "description": "`app_…`"
                  },
                  "name": {
                    "type": "string"
                  },
                  "consumer_key": {
                    "type": "string"
                  },
                  "consumer_secret": {
                    "type": "string",
                    "description": "Only in the answer that created the app."
                  },
                  "access_token": {
                    "type": "string",
                    "description": "The owner's access token."
                  },
                  "access_token_secret": {
                    "type": "string",
                    "description": "Only in the answer that created the app."
                  },
                  "created_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "ISO 8601, UTC (`2024-01-01T12:00:00Z`)."
                  }
                }
              },
              "GrantRequest": {
                "type": "object",
                "additionalProperties": false,
                "required": [
                  "user_id"
                ],
                "properties": {
                  "user_id": {
                    "$ref": "#/components/schemas/IdInput",
                    "description": "A user known from ingested events."
                  }
                }
              },
              "Grant": {
                "type": "object",
                "required": [
                  "app_id",
                  "user_id"
                ],
                "properties": {
                  "app_id": {
                    "type": "string"
                  },
                  "user_id": {
                    "type": "integer"
                  }
                }
              },
              "ControlUsersAdded": {
                "type": "object",
                "required": [
                  "added",
                  "skipped"
                ],
                "properties": {
                  "added": {
                    "type": "array",
                    "items": {
                      "type": "integer"
                    }
                  },
                  "skipped": {
                    "type": "array",
                    "items": {
                      "type": "integer"
                    },
                    "description": "Users who never granted the app access."
                  }
                }
              },
              "ControlUsersRemoved": {
                "type": "object",
                "required": [
                  "removed"
                ],
                "properties": {
                  "removed": {
                    "type": "array",
                    "items": {
                      "type": "integer"
                    }
                  }
                }
              },
              "ControlInfo": {
                "type": "object",
                "required": [
                  "info"
                ],
                "properties": {
                  "info": {
                    "type": "object",
                    "required": [
                      "users",
                      "delimited",
                      "with",
                      "replies",
                      "stall_warnings",
                      "stringify_friend_ids",
                      "control_uri"
                    ],
                    "properties": {
                      "users": {
                        "type": "array",
                        "items": {
                          "type": "object",
                          "required": [
                            "id",
                            "id_str",
                            "name",
                            "dm"
                          ],
                          "properties": {
                            "id": {
                              "type": "integer"
                            },
                            "id_str": {
                              "type": "string",
                              "pattern": "^[0-9]+$"
                            },
                            "name": {
                              "type": [
                                "string",
                                "null"
                              ]
                            },
                            "dm": {
                              "type": "boolean"
                            }
                          }
                        }
                      },
                      "delimited": {
                        "type": "string",
                        "enum": [
                          "length",
                          "none"
                        ]
                      },
                      "with": {
                        "type": "string",
                        "enum": [
                          "user",
                          "followings"
                        ]
                      },
                      "replies": {
                        "type": "string",
                        "enum": [
                          "all",
                          "none"
                        ]
                      },
                      "stall_warnings": {
                        "type": "boolean"
                      },
                      "stringify_friend_ids": {
                        "type": "boolean"
                      },
                      "control_uri": {
                        "type": "string"
                      }
                    }
                  }
                }
              },
              "ControlFriends": {
                "type": "object",
                "required": [
                  "follow",
                  "previous_cursor",
                  "next_cursor",
                  "previous_cursor_str",
                  "next_cursor_str"
                ],
                "properties": {
                  "follow": {
                    "type": "object",
                    "required": [
                      "user",
                      "friends"
                    ],
                    "properties": {
                      "user": {
                        "type": "object",
                        "required": [
                          "id",
                          "id_str"
                        ],
                        "properties": {
                          "id": {
                            "type": "integer"
                          },
                          "id_str": {
                            "type": "string",
                            "pattern": "^[0-9]+$"
                          }
                        }
                      },
                      "friends": {
                        "type": "array",
                        "items": {
                          "type": "integer"
                        }
                      }
                    }
                  },
                  "previous_cursor": {
                    "type": "integer"
                  },
                  "next_cursor": {
                    "type": "integer",
                    "description": "0 on the last page."
                  },
                  "previous_cursor_str": {
                    "type": "string"
                  },
                  "next_cursor_str": {
                    "type": "string"
                  }
                }
              },
              "PrivateSSEEvent": {
                "type": "object",
                "description": "One Server-Sent Event of a Private SSE stream (OpenAPI 3.1 has no item schema for streams: this schema describes each event, as parsed by an SSE client). `data` is one JSON object `{\"type\": …, \"data\": {…}}`; `tweet` and `user` events carry their log sequence number as `id`.",
                "required": [
                  "data"
                ],
                "properties": {
                  "event": {
                    "type": "string",
                    "enum": [
                      "status",
                      "tweet",
                      "user",
                      "message"
                    ],
                    "description": "`message` (unnamed) with `event_names=false`."
                  },
                  "data": {
                    "type": "string",
                    "contentMediaType": "application/json"
                  },
                  "id": {
                    "type": "string",
                    "pattern": "^[0-9]+$"
                  },
                  "retry": {
                    "type": "integer",
                    "minimum": 0
                  }
                }
              },
              "SiteStreamMessage": {
                "type": "object",
                "description": "One message of a Site Streams connection (OpenAPI 3.1 has no item schema for streams: the body is a sequence of such JSON objects, one per line, or each preceded by its length in bytes with `delimited=length`; blank lines are keep-alives): `control`, `{\"for_user\": ID, \"message\": {…}}`."
              },
              "SiteStreamEvent": {
                "type": "object",
                "description": "One Server-Sent Event of a Site Streams connection opened with `Accept: text/event-stream`: `data` is one message; `id` the log's sequence number.",
                "required": [
                  "data"
                ],
                "properties": {
                  "event": {
                    "type": "string"
                  },
                  "data": {
                    "type": "string",
                    "contentMediaType": "application/json"
                  },
                  "id": {
                    "type": "string",
                    "pattern": "^[0-9]+$"
                  },
                  "retry": {
                    "type": "integer",
                    "minimum": 0
                  }
                }
              },
              "Stats": {
                "type": "object",
                "required": [
                  "node",
                  "at",
                  "series",
                  "nodes"
                ],
                "properties": {
                  "node": {
                    "type": "string",
                    "description": "This node's name."
                  },
                  "at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "series": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "number"
                    },
                    "description": "Every series `/metrics` gives, by name and labels (`sluice_deliveries_total{api=\"private_sse\"}`)."
                  },
                  "nodes": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/NodeFigures"
                    },
                    "description": "Every node up (this one included), as of the last second: one with SQLite; with PostgreSQL, each node heard from in the last seconds."
                  }
                }
              },
              "StatsEvent": {
                "type": "object",
                "description": "One Server-Sent Event of the figures' stream, as an SSE client parses it: `data` is a `Stats` reading as JSON.",
                "required": [
                  "event",
                  "data"
                ],
                "properties": {
                  "event": {
                    "type": "string",
                    "const": "stats"
                  },
                  "data": {
                    "type": "string",
                    "contentMediaType": "application/json"
                  }
                }
              },
              "GrantList": {
                "type": "object",
                "required": [
                  "app_id",
                  "user_ids",
                  "user_ids_str"
                ],
                "properties": {
                  "app_id": {
                    "type": "string"
                  },
                  "user_ids": {
                    "type": "array",
                    "items": {
                      "type": "integer",
                      "format": "int64"
                    }
                  },
                  "next_after": {
                    "type": "integer",
                    "format": "int64",
                    "description": "Where the next page starts (`after`); absent on the last page."
                  },
                  "user_ids_str": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "description": "`user_ids` as strings."
                  },
                  "next_after_str": {
                    "type": "string",
                    "description": "`next_after` as a string."
                  }
                }
              },
              "Connection": {
                "type": "object",
                "required": [
                  "api",
                  "id",
                  "node",
                  "opened_at",
                  "age_seconds",
                  "delivered",
                  "queued_bytes"
                ],
                "properties": {
                  "api": {
                    "type": "string",
                    "enum": [
                      "private_sse",
                      "site_streams"
                    ]
                  },
                  "id": {
                    "type": "string",
                    "description": "`conn_…` (Private SSE) or the Site Streams stream id."
                  },
                  "node": {
                    "type": "string"
                  },
                  "key_id": {
                    "type": "string",
                    "description": "Private SSE: the API key."
                  },
                  "app_id": {
                    "type": "string",
                    "description": "Site Streams: the app."
                  },
                  "filters": {
                    "type": "object",
                    "description": "Private SSE: the filters, as the `connected` status reports them."
                  },
                  "user_count": {
                    "type": "integer",
                    "description": "Site Streams: how many users the stream carries."
                  },
                  "users": {
                    "type": "array",
                    "items": {
                      "type": "integer",
                      "format": "int64"
                    },
                    "description": "Site Streams: the first 20 users carried, by id."
                  },
                  "opened_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "age_seconds": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "delivered": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Messages queued for the client (not statuses, control messages or heartbeats)."
                  },
                  "queued_bytes": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "last_delivery_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "users_str": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "description": "`users` as strings."
                  }
                }
              },
              "ConnectionList": {
                "type": "object",
                "required": [
                  "connections",
                  "nodes",
                  "unreachable_nodes"
                ],
                "properties": {
                  "connections": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Connection"
                    }
                  },
                  "nodes": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "description": "The nodes listed (this one first)."
                  },
                  "unreachable_nodes": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "description": "Nodes heard from lately that did not answer."
                  }
                }
              },
              "NodeFigures": {
                "type": "object",
                "required": [
                  "node",
                  "at",
                  "private_streams",
                  "site_streams",
                  "user_streams",
                  "deliveries",
                  "ingested",
                  "log_position",
                  "log_head",
                  "outbox_bytes",
                  "slow_reader_disconnects",
                  "tokens_issued",
                  "tokens_refused",
                  "http_connections"
                ],
                "description": "One node's headline figures, from its `/metrics` series; counters are totals since the node started. Its fan-out lags the log by `log_head - log_position` events.",
                "properties": {
                  "node": {
                    "type": "string"
                  },
                  "at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "private_streams": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "site_streams": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "user_streams": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "deliveries": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "ingested": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "log_position": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "log_head": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "outbox_bytes": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "slow_reader_disconnects": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "tokens_issued": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "tokens_refused": {
                    "type": "integer",
                    "minimum": 0
                  },
                  "http_connections": {
                    "type": "integer",
                    "minimum": 0
                  }
                }
              }
            }
          }
        }
        """#
}
