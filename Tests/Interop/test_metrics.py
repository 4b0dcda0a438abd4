"""`GET /metrics` against the real binary: the series the Swift tests do not check.

The README's table: `sluice_events_ingested_total`, `sluice_store_append_seconds`,
`sluice_store_append_failures_total` ("appends the store could not take"), `sluice_ingest_refusals_total{code}`
("batches refused for what they hold, by error code"), `sluice_open_connections{api}`,
`sluice_site_user_streams` ("users carried by site streams"), `sluice_deliveries_total{api}`,
`sluice_events_skipped_rate_limit_total`, `sluice_slow_reader_disconnects_total{api}`,
`sluice_outbox_bytes{api}` ("bytes waiting in connections' queues"), `sluice_log_position`; and
`sluice_http_connections`. Private SSE: "5 events per second per connection (the rest are skipped and
counted in `limit` notices)"; "a client that stops reading fills its buffer (`SLUICE_STREAM_OUTBOX_BYTES`)
and is disconnected" with `disconnected` / `slow_reader`; what waits "may pass the buffer's size for up to
2 seconds, up to four times that size".
"""
import json
import re
import sqlite3
import time

import requests

from conftest import MessageReader, fill_stalled_queue, stalled_socket, tweet, user, wait_until

ALICE, BOB, CAROL = user(1, "alice"), user(2, "bob"), user(3, "carol")
PRIVATE, SITE = 'api="private_sse"', 'api="site_streams"'


def post(server, key, body, headers=None):
    """The server's answer to a batch, whatever it is (refusals are what some of these tests count)."""
    data = body if isinstance(body, (bytes, str)) else json.dumps(body, ensure_ascii=False).encode()
    return requests.post(f"{server.base}/v1/events", data=data, timeout=60,
                         headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json", **(headers or {})})


def refusals(m):
    """`sluice_ingest_refusals_total` by code."""
    return {re.search(r'code="([^"]+)"', name).group(1): value for name, value in m.items()
            if name.startswith("sluice_ingest_refusals_total{")}


class Reader(MessageReader):
    """A stream's messages, with the Private SSE events these tests look for."""

    def tweets(self):
        return [m for m in self.items if m["event"] == "tweet"]

    def statuses(self, status):
        return [m["data"] for m in self.items if m["event"] == "status" and m["data"]["status"] == status]


def private_stream(server, key, query):
    reader = Reader(requests.get(f"{server.base}/sse/private?token={server.token(key)}&{query}", stream=True, timeout=(5, 60)), sse=True)
    reader.wait_for(lambda: reader.statuses("connected"), "the connected status")
    return reader


def dechunk(raw):
    """The body of a raw chunked HTTP/1.1 response."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert b"chunked" in head.lower(), head
    body = b""
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        body, rest = body + rest[:size], rest[size + 2:]
    return body


def test_a_slow_reader_is_cut_counted_and_its_queue_released(start_server):
    outbox = 16 * 1024
    server = start_server(env={"SLUICE_STREAM_OUTBOX_BYTES": str(outbox)})
    key = server.create_key(events_per_second=100_000)
    server.publish(key, [ALICE])

    # One client stops reading (a small receive buffer, never read); another reads the same flood.
    stalled = stalled_socket(server, f"GET /sse/private?token={server.token(key)}&keywords=flood HTTP/1.1\r\nHost: x\r\n\r\n")
    reader = private_stream(server, key, "keywords=flood")
    wait_until(lambda: server.metrics()[f"sluice_open_connections{{{PRIVATE}}}"] == 2, what="both streams open")
    assert server.metrics()[f"sluice_slow_reader_disconnects_total{{{PRIVATE}}}"] == 0

    published, outbox_seen = [0], []

    def cut():
        m = server.metrics()
        outbox_seen.append(m[f"sluice_outbox_bytes{{{PRIVATE}}}"])
        if m[f"sluice_slow_reader_disconnects_total{{{PRIVATE}}}"] >= 1:
            return True
        server.publish(key, [tweet(1000 + published[0] + i, "flood " + "x" * 1000, ALICE) for i in range(20)])
        published[0] += 20
        return False
    wait_until(cut, timeout=120, what="the stalled stream to be cut as a slow reader", interval=0)

    m = server.metrics()
    assert m[f"sluice_slow_reader_disconnects_total{{{PRIVATE}}}"] == 1, "only the stalled stream is cut"
    assert m[f"sluice_slow_reader_disconnects_total{{{SITE}}}"] == 0
    # While it waited, its queue showed in the gauge, never past four times its size (and a message).
    assert max(outbox_seen) > 0, "a stalled stream's queue never showed in sluice_outbox_bytes"
    assert max(outbox_seen) <= 4 * outbox + 2048, f"{max(outbox_seen)} bytes queued for a {outbox}-byte outbox"
    wait_until(lambda: server.metrics()[f"sluice_open_connections{{{PRIVATE}}}"] == 1, what="the open-stream gauge to fall by one")

    # The stalled client reads now: its stream ended with the reason, and its connection is closed.
    stalled.settimeout(30)
    raw = b""
    while chunk := stalled.recv(1 << 20):
        raw += chunk
    stalled.close()
    last = dechunk(raw).rstrip(b"\n").rsplit(b"\n\n", 1)[-1].decode()
    assert last.startswith("event: status\ndata: "), last[:300]
    farewell = json.loads(last.split("data: ", 1)[1])["data"]
    assert (farewell["status"], farewell["reason"]) == ("disconnected", "slow_reader") and farewell["message"], farewell
    wait_until(lambda: server.metrics()[f"sluice_outbox_bytes{{{PRIVATE}}}"] == 0, what="the cut stream's queue to be released")

    # The reader kept up with everything and was not cut.
    reader.wait_for(lambda: len(reader.tweets()) == published[0], "every flood tweet on the reading stream", timeout=60)
    assert not reader.statuses("disconnected")
    assert server.metrics()[f"sluice_open_connections{{{PRIVATE}}}"] == 1
    reader.close()


def test_events_skipped_by_the_rate_limit_are_counted(server):
    """README: "5 events per second per connection (the rest are skipped and counted in `limit` notices)",
    a notice "at most once a second". A burst of 40 matching tweets published in one batch reaches a
    stream that has delivered nothing yet: its first second's allowance, exactly the first five, go out;
    the other 35 are skipped, counted once each in `sluice_events_skipped_rate_limit_total`, and told in
    one `limit` notice of 35 (the batch is dispatched as one page, which the once-a-second notices never
    interleave with, so the skips are not split across two notices)."""
    key = server.create_key()  # the document's 5 events per second per connection
    server.publish(key, [ALICE])
    stream = private_stream(server, key, "keywords=burst")
    assert stream.statuses("connected")[0]["limits"]["events_per_second"] == 5
    before = server.metrics()
    assert before[f"sluice_events_skipped_rate_limit_total{{{PRIVATE}}}"] == 0

    burst, rate = 40, 5
    server.publish(key, [tweet(100 + i, f"burst {i}", ALICE) for i in range(burst)])
    skipped = lambda: server.metrics()[f"sluice_events_skipped_rate_limit_total{{{PRIVATE}}}"]
    notices = lambda: stream.statuses("limit")
    # The notice comes within a second or two of the burst; once it has, every event of the burst is
    # accounted for (delivered, or skipped and counted), so nothing more can arrive for it.
    stream.wait_for(lambda: notices(), "a limit notice after the burst")
    wait_until(lambda: len(stream.tweets()) + skipped() >= burst, what="the burst delivered or counted as skipped",
               detail=lambda: f"{len(stream.tweets())} delivered, {skipped()} skipped; {stream.ending()}")
    assert [t["data"]["id"] for t in stream.tweets()] == [str(100 + i) for i in range(rate)], "not the first five delivered"
    assert skipped() == burst - rate
    assert notices() == [{"status": "limit", "skipped": burst - rate}], f"the skips not told in one notice: {notices()}"
    # In the order they happened: the five tweets, then the notice of what was skipped after them.
    assert [m["event"] for m in stream.items] == ["status"] + ["tweet"] * rate + ["status"], stream.items
    after = server.metrics()
    assert after[f"sluice_deliveries_total{{{PRIVATE}}}"] - before[f"sluice_deliveries_total{{{PRIVATE}}}"] == rate
    assert after["sluice_events_ingested_total"] - before["sluice_events_ingested_total"] == burst
    stream.close()


def test_open_stream_gauges_rise_and_fall_with_streams_and_site_users(server):
    key = server.create_key(events_per_second=1000)
    server.publish(key, [ALICE, BOB, CAROL])
    auth = server.app_auth([1, 2, 3])
    m = server.metrics()
    assert (m[f"sluice_open_connections{{{PRIVATE}}}"], m[f"sluice_open_connections{{{SITE}}}"]) == (0, 0)
    assert m[f"sluice_site_user_streams{{{SITE}}}"] == 0

    first, second = private_stream(server, key, "keywords=gauge"), private_stream(server, key, "keywords=gauge")
    site = Reader(requests.get(f"{server.base}/1.1/site.json?follow=1,2", auth=auth, stream=True, timeout=(5, 60)), sse=False)
    site.wait_for(lambda: sum(1 for msg in site.items if "for_user" in msg) == 2, "two preambles")
    m = server.metrics()
    assert (m[f"sluice_open_connections{{{PRIVATE}}}"], m[f"sluice_open_connections{{{SITE}}}"]) == (2, 1)
    assert m[f"sluice_site_user_streams{{{SITE}}}"] == 2

    # Control streams change the users carried.
    control = f"{server.base}{site.items[0]['control']['control_uri']}"
    r = requests.post(f"{control}/add_user.json?user_id=3", auth=auth, timeout=10)
    assert r.status_code == 200, r.text
    wait_until(lambda: server.metrics()[f"sluice_site_user_streams{{{SITE}}}"] == 3, what="three user streams after add_user")
    r = requests.post(f"{control}/remove_user.json?user_id=1", auth=auth, timeout=10)
    assert r.status_code == 200, r.text
    wait_until(lambda: server.metrics()[f"sluice_site_user_streams{{{SITE}}}"] == 2, what="two user streams after remove_user")
    del r  # requests keeps a response's connection open while the response lives

    # One tweet by bob naming carol: one delivery to each of the two user streams it concerns (alice's
    # is gone), one to each Private SSE stream.
    before = server.metrics()
    server.publish(key, [tweet(10, "gauge @carol", BOB)])
    site.wait_for(lambda: sum(1 for msg in site.items if msg.get("message", {}).get("id") == 10) == 2, "bob's tweet for bob and carol")
    for s in (first, second):
        s.wait_for(lambda: len(s.tweets()) == 1, "the tweet on Private SSE")
    after = server.metrics()
    assert after[f"sluice_deliveries_total{{{SITE}}}"] - before[f"sluice_deliveries_total{{{SITE}}}"] == 2
    assert after[f"sluice_deliveries_total{{{PRIVATE}}}"] - before[f"sluice_deliveries_total{{{PRIVATE}}}"] == 2
    assert after["sluice_log_position"] == before["sluice_log_position"] + 1

    # Closing streams brings every gauge back down.
    first.close()
    wait_until(lambda: server.metrics()[f"sluice_open_connections{{{PRIVATE}}}"] == 1, what="one Private SSE stream left")
    site.close()
    wait_until(lambda: (server.metrics()[f"sluice_open_connections{{{SITE}}}"], server.metrics()[f"sluice_site_user_streams{{{SITE}}}"]) == (0, 0),
               what="no site stream and no user stream left")
    second.close()
    wait_until(lambda: server.metrics()[f"sluice_open_connections{{{PRIVATE}}}"] == 0, what="no Private SSE stream left")
    wait_until(lambda: server.metrics()["sluice_http_connections"] == 1, what="only the scrape's own connection left",
               detail=lambda: f'{server.metrics()["sluice_http_connections"]} connections')
    m = server.metrics()
    assert (m[f"sluice_outbox_bytes{{{PRIVATE}}}"], m[f"sluice_outbox_bytes{{{SITE}}}"]) == (0, 0)


def test_a_stalled_stream_ended_by_revoking_its_key_leaves_the_gauges(server):
    """"Revoke one (effective at once)", and "a stream that ends is closed within 10 s even if its client
    never reads the farewell": a stream whose client stopped reading, with data queued, is no exception."""
    created = server.admin("POST", "/v1/admin/keys", {"name": "m", "scopes": ["stream", "ingest"], "limits": {"events_per_second": 100_000}})
    key = created["key"]
    server.publish(key, [ALICE])
    stalled = stalled_socket(server, f"GET /sse/private?token={server.token(key)}&keywords=flood HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        reader = private_stream(server, key, "keywords=calm")
        wait_until(lambda: server.metrics()[f"sluice_open_connections{{{PRIVATE}}}"] == 2, what="both streams open")
        # Fill the stalled stream's socket, then a quarter of its 256 KiB queue: not a slow reader yet.
        fill_stalled_queue(server, key, "private_sse", ALICE, "flood", 1000)

        server.admin("DELETE", f"/v1/admin/keys/{created['id']}")
        revoked = time.monotonic()
        reader.wait_for(reader.ended.is_set, "the reading stream to end on the revocation")
        assert [s["reason"] for s in reader.statuses("disconnected")] == ["key_revoked"]
        # The stalled stream ended too: it leaves the gauges, and its connection is closed, within 10 s.
        wait_until(lambda: server.metrics()[f"sluice_open_connections{{{PRIVATE}}}"] == 0, timeout=15,
                   what="the stalled stream of a revoked key to leave sluice_open_connections",
                   detail=lambda: f"{time.monotonic() - revoked:.0f} s after the revocation: {server.metrics()[f'sluice_open_connections{{{PRIVATE}}}']} open")
        wait_until(lambda: server.metrics()["sluice_http_connections"] == 1, timeout=max(1, 15 - (time.monotonic() - revoked)),
                   what="the stalled connection to be closed")
        assert server.metrics()[f"sluice_outbox_bytes{{{PRIVATE}}}"] == 0
        assert server.metrics()[f"sluice_slow_reader_disconnects_total{{{PRIVATE}}}"] == 0, "ended by the revocation, not cut as slow"
    finally:
        stalled.close()


def test_refused_batches_are_counted_by_code_and_never_as_ingested(start_server):
    server = start_server("--max-body-bytes", str(1024 * 1024))
    key = server.create_key()
    server.publish(key, [ALICE, BOB, tweet(10, "first", ALICE)])
    r = post(server, key, [tweet(11, "idempotent", ALICE)], {"Idempotency-Key": "batch-11"})
    assert r.status_code == 200, r.text
    before = server.metrics()
    assert before["sluice_events_ingested_total"] == 4 and before["sluice_log_position"] == 4
    assert refusals(before) == {}

    family = "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466"  # one character, 25 bytes
    refused = [
        ("invalid_event", 400, post(server, key, [tweet(20, "a" * 25_001, ALICE)])),
        ("invalid_event", 400, post(server, key, b'[{"type": "tweet",')),
        ("invalid_event", 400, post(server, key, [{"type": "user_update", "data": {"id": 1000 + i, "username": f"u{i}"}} for i in range(10_001)])),
        ("duplicate_id", 400, post(server, key, [user(4, "dave"), tweet(10, "again", ALICE)])),
        ("unknown_reference", 400, post(server, key, [{"type": "follow", "data": {"source_id": 1, "target_id": 999}}])),
        ("invalid_reference", 400, post(server, key, [{"type": "delete", "data": {"id": 10, "user_id": 2}}])),
        ("event_too_large", 413, post(server, key, [tweet(21, family * 6_000, ALICE)])),
        ("payload_too_large", 413, post(server, key, b"[" + b" " * (1024 * 1024) + b"]")),
        ("idempotency_key_reused", 422, post(server, key, [tweet(22, "another body", ALICE)], {"Idempotency-Key": "batch-11"})),
        ("invalid_idempotency_key", 400, post(server, key, [tweet(23, "bad key", ALICE)], {"Idempotency-Key": "no spaces allowed"})),
    ]
    for code, status, response in refused:
        assert (response.status_code, response.json().get("error", {}).get("code")) == (status, code), response.text[:300]
    # The retry of the first batch with its key is answered again, and stores nothing.
    replay = post(server, key, [tweet(11, "idempotent", ALICE)], {"Idempotency-Key": "batch-11"})
    assert replay.status_code == 200 and replay.headers.get("Idempotent-Replayed") == "true", replay.text

    after = server.metrics()
    assert after["sluice_events_ingested_total"] == 4, "refused or replayed batches counted as ingested"
    assert after["sluice_log_position"] == 4
    assert after["sluice_store_append_seconds_count"] == before["sluice_store_append_seconds_count"]
    assert after["sluice_store_append_failures_total"] == 0, "refusals are not store failures"
    expected = {}
    for code, _, _ in refused:
        expected[code] = expected.get(code, 0) + 1
    assert refusals(after) == expected


def test_an_append_the_store_cannot_take_is_counted_as_a_failure(server):
    key = server.create_key()
    server.publish(key, [ALICE])
    before = server.metrics()
    assert before["sluice_store_append_failures_total"] == 0

    # Another process holds the SQLite file's write lock (as a stuck backup or a full disk would stop
    # writes): the append cannot be made, and the producer is told to retry.
    lock = sqlite3.connect(server.db, timeout=1, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        r = post(server, key, [tweet(10, "while locked", ALICE)], {"Idempotency-Key": "locked-10"})
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "store_unavailable" and r.json()["error"]["message"]
        assert r.headers.get("Retry-After")
        m = server.metrics()
        assert m["sluice_store_append_failures_total"] == 1
        assert m["sluice_events_ingested_total"] == before["sluice_events_ingested_total"]
        assert m["sluice_log_position"] == before["sluice_log_position"]
        assert refusals(m) == {}, "a store failure is not a refusal of what the batch holds"
    finally:
        lock.execute("ROLLBACK")
        lock.close()

    # The retry with the same key goes through, once.
    r = post(server, key, [tweet(10, "while locked", ALICE)], {"Idempotency-Key": "locked-10"})
    assert r.status_code == 200, r.text
    m = server.metrics()
    assert m["sluice_store_append_failures_total"] == 1
    assert m["sluice_events_ingested_total"] == before["sluice_events_ingested_total"] + 1
    log = requests.get(f"{server.base}/v1/events?after=0&limit=1000", headers={"Authorization": f"Bearer {key}"}, timeout=10).json()
    assert [e["data"].get("id_str") for e in log["events"] if e["type"] == "tweet"] == ["10"]
