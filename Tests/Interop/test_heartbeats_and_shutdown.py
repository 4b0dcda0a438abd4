"""Heartbeats on idle streams, and a graceful shutdown under stalled clients, against the real binary.

The README: Private SSE sends "a `: keepalive` comment every 15 s" (`SLUICE_STREAM_HEARTBEAT_SECONDS`);
Site Streams open "with a keep-alive (`\\r\\n`)" and send "a blank line every 30 s"
(`SLUICE_SITE_STREAMS_KEEPALIVE_SECONDS`), as Twitter did; "30 minutes without a delivery closes the
stream" (a key's `idle_timeout_seconds`), and a keepalive is not a delivery. On SIGTERM, `serve` "ends every
stream with a `shutdown` status (Site Streams: `disconnect` code 1), stops accepting, finishes requests
in flight, and closes the store", and "a stream that ends is closed within 10 s even if its client never
reads the farewell". Events "are durable (fsync'd) before the answer is sent".
"""
import json
import signal
import socket
import subprocess
import threading
import time

import requests

from conftest import BackgroundReader, fill_stalled_queue, stalled_socket, tweet, user, wait_until

ALICE, BOB, CAROL = user(1, "alice"), user(2, "bob"), user(3, "carol")


class Reader(BackgroundReader):
    """Records each item of a stream with the time it was complete: (time, "keepalive", text) or (time,
    "message", parsed JSON). `mode` is "sse" (items are events: the SSE `data` parsed, with `event` and
    `id` added), "lines" (Site Streams, newline-delimited) or "length" (`delimited=length`)."""

    def __init__(self, response, mode):
        self.mode = mode
        super().__init__(response)

    def read(self):
        buffer = b""
        for chunk in self.response.iter_content(chunk_size=None):
            buffer = yield from self.parse(buffer + chunk)

    def parse(self, buffer):
        """Yields the items complete in `buffer`; returns what is left of it."""
        while True:
            if self.mode == "sse":
                if b"\n\n" not in buffer:
                    return buffer
                block, buffer = buffer.split(b"\n\n", 1)
                lines = block.decode().split("\n")
                if all(line.startswith(":") for line in lines):
                    yield time.monotonic(), "keepalive", block.decode()
                    continue
                fields = dict(line.split(": ", 1) for line in lines if ": " in line)
                if "data" in fields:
                    yield time.monotonic(), "message", {"event": fields.get("event", "message"), "id": fields.get("id"), **json.loads(fields["data"])}
            elif self.mode == "lines":
                if b"\r\n" not in buffer:
                    return buffer
                line, buffer = buffer.split(b"\r\n", 1)
                yield (time.monotonic(), "keepalive", "") if line == b"" else (time.monotonic(), "message", json.loads(line))
            else:  # delimited=length: a length line, then that many bytes; a bare "\r\n" is a keep-alive
                if buffer.startswith(b"\r\n"):
                    yield time.monotonic(), "keepalive", ""
                    buffer = buffer[2:]
                    continue
                if b"\r\n" not in buffer:
                    return buffer
                length, rest = buffer.split(b"\r\n", 1)
                size = int(length)
                if len(rest) < size:
                    return buffer
                yield time.monotonic(), "message", json.loads(rest[:size])
                buffer = rest[size:]

    def messages(self):
        return [v for _, k, v in self.items if k == "message"]

    def keepalive_times(self, after=0.0):
        return [t for t, k, _ in self.items if k == "keepalive" and t > after]

    def last(self):
        return str([(k, str(v)[:160]) for _, k, v in self.items[-4:]])


def private_stream(server, key, query):
    r = requests.get(f"{server.base}/sse/private?token={server.token(key)}&{query}", stream=True, timeout=(5, 60))
    reader = Reader(r, "sse")
    reader.wait_for(lambda: any(m.get("event") == "status" and m["data"]["status"] == "connected" for m in reader.messages()),
                    "the connected status")
    return reader


def site_stream(server, auth, query, mode="lines"):
    r = requests.get(f"{server.base}/1.1/site.json?{query}", auth=auth, stream=True, timeout=(5, 60))
    reader = Reader(r, mode)
    reader.wait_for(lambda: any("for_user" in m for m in reader.messages()), "the friends preamble")
    return reader


def connected_at(reader):
    return next(t for t, k, v in reader.items if k == "message" and (v.get("event") == "status" or "for_user" in v))


# MARK: - Heartbeats


def test_private_sse_sends_keepalive_comments_on_an_idle_stream_at_the_configured_interval(start_server):
    fast = start_server(env={"SLUICE_STREAM_HEARTBEAT_SECONDS": "1"}, db="fast.db")
    default = start_server(db="default.db")
    streams = []
    for server in (fast, default):
        key = server.create_key()
        server.publish(key, [ALICE])
        streams.append(private_stream(server, key, "keywords=nothingmatchesthis"))
    quick, slow = streams
    connected = quick.messages()[0]
    assert connected["data"]["limits"]["heartbeat_seconds"] == 1, connected
    assert slow.messages()[0]["data"]["limits"]["heartbeat_seconds"] == 15

    # An idle stream (no event matches its filter) gets the comment every second...
    quick.wait_for(lambda: len(quick.keepalive_times()) >= 4, "four keepalives a second apart", timeout=20)
    times = quick.keepalive_times()[:4]
    assert all(text == ": keepalive" for _, kind, text in quick.items if kind == "keepalive")
    # ... not more often, nor less: four comments span three intervals of 1 s (2 to 5 s, for timer jitter
    # on a loaded machine).
    spans = [round(t - times[0], 2) for t in times]
    assert times[3] - times[0] >= 2.0, f"keepalives closer than the interval: {spans}"
    assert times[3] - times[0] <= 5.0, f"keepalives further apart than the interval: {spans}"
    assert quick.messages() == [connected], "nothing but keepalives after the connected status"
    # With the default interval (15 s), none in the same seconds.
    waited = time.monotonic() - connected_at(slow)
    assert waited < 15
    assert slow.keepalive_times() == [], f"a keepalive before the 15 s interval, {waited:.1f} s after connecting"
    for s in streams:
        s.close()


def test_site_streams_send_a_blank_line_on_an_idle_connection_at_the_configured_interval(start_server):
    fast = start_server(env={"SLUICE_SITE_STREAMS_KEEPALIVE_SECONDS": "1"}, db="fast.db")
    default = start_server(db="default.db")
    streams = {}
    for name, server in (("fast", fast), ("default", default)):
        key = server.create_key()
        server.publish(key, [ALICE])
        auth = server.app_auth([1])
        streams[name] = site_stream(server, auth, "follow=1")
        if name == "fast":
            streams["length"] = site_stream(server, auth, "follow=1&delimited=length", mode="length")

    for name in ("fast", "length", "default"):
        s = streams[name]
        # The stream opens with a keep-alive, before the control message, as Twitter's did.
        assert s.items[0][1] == "keepalive", s.ending()
        assert "control" in s.items[1][2], s.ending()
    for name in ("fast", "length"):
        s = streams[name]
        opened = connected_at(s)
        s.wait_for(lambda: len(s.keepalive_times(after=opened)) >= 4, f"four blank lines a second apart ({name})", timeout=20)
        times = s.keepalive_times(after=opened)[:4]
        spans = [round(t - times[0], 2) for t in times]
        assert 2.0 <= times[3] - times[0] <= 5.0, f"{name}: blank lines not a second apart: {spans}"
        assert len(s.messages()) == 2, f"{name}: nothing but blank lines after the preamble: {s.ending()}"
    slow = streams["default"]
    waited = time.monotonic() - connected_at(slow)
    assert waited < 30
    assert slow.keepalive_times(after=connected_at(slow)) == [], f"a blank line before the 30 s interval, {waited:.1f} s in"
    for s in streams.values():
        s.close()


def test_keepalives_do_not_hold_off_the_idle_timeout(start_server):
    server = start_server(env={"SLUICE_STREAM_HEARTBEAT_SECONDS": "1"})
    key = server.create_key(idle_timeout_seconds=3)
    server.publish(key, [ALICE])
    stream = private_stream(server, key, "keywords=nothingmatchesthis")
    opened = connected_at(stream)
    stream.wait_for(lambda: stream.ended_at is not None, "the idle stream to be closed", timeout=20)
    last = stream.messages()[-1]
    assert last["event"] == "status" and last["data"]["status"] == "disconnected", stream.ending()
    assert last["data"]["reason"] == "idle_timeout", last
    assert len(stream.keepalive_times()) >= 2, "keepalives went out while the stream waited"
    lasted = stream.ended_at - opened
    assert 2.5 <= lasted <= 15, f"closed {lasted:.1f} s after connecting, for an idle timeout of 3 s"


# MARK: - Shutdown


def signed_header(auth, url):
    header = requests.Request("GET", url, auth=auth).prepare().headers["Authorization"]
    return header.decode() if isinstance(header, bytes) else header


def wait_for_exit(proc, timeout):
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def test_sigterm_with_stalled_clients_tells_readers_and_exits_in_bounded_time(server):
    key = server.create_key(events_per_second=100_000)
    server.publish(key, [ALICE, BOB, CAROL])
    auth = server.app_auth([1, 2])

    # Stalled: a Private SSE stream of carol's "floodp" tweets and a site stream of bob's, never read.
    stalled = [
        stalled_socket(server, f"GET /sse/private?token={server.token(key)}&keywords=floodp HTTP/1.1\r\nHost: x\r\n\r\n"),
        stalled_socket(server, f"GET /1.1/site.json?follow=2 HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                               f"Authorization: {signed_header(auth, f'{server.base}/1.1/site.json?follow=2')}\r\n\r\n"),
    ]
    try:
        # Readers that keep up, on streams the flood does not reach.
        sse = private_stream(server, key, "keywords=calm")
        site = site_stream(server, auth, "follow=1")
        wait_until(lambda: (server.metrics()['sluice_open_connections{api="private_sse"}'],
                            server.metrics()['sluice_open_connections{api="site_streams"}']) == (2, 2),
                   what="two streams of each kind")

        # Fill each stalled stream's socket and then its queue, short of a slow reader's cut.
        next_id = fill_stalled_queue(server, key, "private_sse", CAROL, "floodp", 1000)
        fill_stalled_queue(server, key, "site_streams", BOB, "floods", next_id)
        assert sse.messages()[-1]["event"] == "status" and len(sse.messages()) == 1, "the reader's filter kept it out of the flood"

        sigterm = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)

        # The readers are told why, then their streams end.
        sse.wait_for(lambda: sse.ended_at is not None, "the Private SSE reader's stream to end", timeout=30)
        site.wait_for(lambda: site.ended_at is not None, "the Site Streams reader's stream to end", timeout=30)
        assert sse.messages()[-1]["event"] == "status" and sse.messages()[-1]["data"]["status"] == "disconnected", sse.ending()
        assert sse.messages()[-1]["data"]["reason"] == "shutdown"
        assert site.messages()[-1].get("disconnect", {}).get("code") == 1, site.ending()
        assert sse.ended_at - sigterm < 10 and site.ended_at - sigterm < 10

        # The stalled clients never read their farewell; their streams are closed within 10 s anyway, and
        # the process exits (bounded here at 30 s, for a loaded machine).
        code = wait_for_exit(server.proc, 30)
        assert code is not None, (f"sluice still running {time.monotonic() - sigterm:.0f} s after SIGTERM, held by clients "
                                  f"that stopped reading")
        assert code == 0
    finally:
        for s in stalled:
            s.close()


def test_an_ingest_in_flight_at_sigterm_is_answered_and_never_lost(start_server):
    server = start_server()
    key = server.create_key()
    server.publish(key, [ALICE])

    # A request whose head and half its body are in when SIGTERM comes.
    body = json.dumps([tweet(999_999, "in flight at SIGTERM", ALICE)]).encode()
    in_flight = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    in_flight.sendall(f"POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
                      f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body[:len(body) // 2])
    wait_until(lambda: server.metrics()["sluice_http_connections"] == 2, what="the server to hold the in-flight request")

    # And a producer publishing without pause, through the signal.
    acked, outcomes, stop = {}, [], threading.Event()

    def produce():
        n = 0
        while not stop.is_set():
            tid = 10_000 + n
            n += 1
            try:
                r = requests.post(f"{server.base}/v1/events", json=[tweet(tid, f"steady {tid}", ALICE)],
                                  headers={"Authorization": f"Bearer {key}"}, timeout=30)
            except requests.RequestException as error:
                outcomes.append(type(error).__name__)
                time.sleep(0.01)
                continue
            if r.status_code == 200:
                acked[r.json()["first_seq"]] = str(tid)
                outcomes.append(200)
            else:
                outcomes.append((r.status_code, r.text[:200]))
    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    wait_until(lambda: len(acked) >= 5, what="the producer's first acknowledgements")

    server.proc.send_signal(signal.SIGTERM)
    # The rest of the body arrives once the shutdown is under way: the server no longer accepts.
    def refuses_connections():
        try:
            socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
            return False
        except ConnectionRefusedError:
            return True
    wait_until(refuses_connections, timeout=30, what="the server to stop accepting after SIGTERM")
    in_flight.sendall(body[len(body) // 2:])
    answer = b""
    try:
        while chunk := in_flight.recv(65536):
            answer += chunk
    except OSError as error:
        answer += f"<{type(error).__name__}>".encode()
    in_flight.close()
    assert wait_for_exit(server.proc, 30) == 0, "sluice did not exit cleanly within 30 s of SIGTERM"
    stop.set()
    producer.join(30)
    assert not producer.is_alive()
    # Anything but an acknowledgement is a refusal that says so (503), or a connection the server no
    # longer accepts.
    for outcome in outcomes:
        if isinstance(outcome, tuple):
            status, text = outcome
            assert status == 503 and json.loads(text)["error"]["code"] in ("store_unavailable", "unavailable"), outcome

    # "Finishes requests in flight": an answer, never a silent close.
    head, _, payload = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/1.1 ") else None
    assert status in (200, 503), f"the request in flight got no clear answer: {answer[:300]!r}"
    if status == 200:
        acked[json.loads(payload)["first_seq"]] = "999999"
    else:
        assert json.loads(payload)["error"]["code"] in ("store_unavailable", "unavailable"), payload

    # Everything acknowledged is in the log after a restart on the same file, at its sequence number.
    restarted = start_server()
    r = requests.get(f"{restarted.base}/v1/events?after=0&limit=1000", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert r.status_code == 200, r.text
    log = {e["seq"]: e["data"].get("id_str") for e in r.json()["events"]}
    assert sorted(log) == list(range(1, len(log) + 1)), "the log has a gap"
    lost = {seq: tid for seq, tid in acked.items() if log.get(seq) != tid}
    assert not lost, f"acknowledged but not in the log after the restart: {lost}; outcomes {outcomes[-10:]}"
