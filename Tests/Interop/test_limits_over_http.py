"""The ingest size limits over HTTP, against the real binary, at their exact edges.

The README: a tweet's `text` is "up to 25,000 characters, never truncated", and "characters do not bound
an event's size (a family emoji is one character and 25 bytes; one character may carry any number of
accents)": a character is what a reader sees as one (an extended grapheme cluster), not a byte, a Unicode
scalar or a UTF-16 code unit. A direct message's text is at most 10,000 characters (Twitter's limit).
"A batch holds at most 10,000 events; a body over 8 MiB (`--max-body-bytes`) is refused with `413`", and
"one bad event and nothing is stored". Private SSE promises "complete, untruncated" tweets.

Each text below pins the unit in which characters are counted:
  'é' (U+00E9)       1 character, 1 scalar, 1 UTF-16 unit, 2 bytes: not bytes
  '😀' (U+1F600)      1 character, 1 scalar, 2 UTF-16 units, 4 bytes: not UTF-16 units
  'e' + U+0301       1 character, 2 scalars, 2 UTF-16 units, 3 bytes: not scalars
"""
import json

import requests

from conftest import MessageReader, tweet, user

MIB = 1024 * 1024
ALICE, BOB = user(1, "alice"), user(2, "bob")
# (name, the repeated character, how many of it make one character) — see the module's docstring.
CHARACTERS = [("ascii", "a"), ("e-acute", "\u00e9"), ("emoji", "\U0001F600"), ("combining", "e\u0301")]


def post(server, key, body, content_type="application/json"):
    data = body if isinstance(body, (bytes, str)) or hasattr(body, "__next__") else json.dumps(body)
    return requests.post(f"{server.base}/v1/events", data=data,
                         headers={"Authorization": f"Bearer {key}", "Content-Type": content_type}, timeout=60)


def last_seq(server):
    r = requests.get(f"{server.base}/healthz", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["last_seq"]


def log_after(server, key, after):
    r = requests.get(f"{server.base}/v1/events?after={after}&limit=1000", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["events"]


def assert_refused(response, status, codes, index=None):
    """A refusal in the README's shape: `{"error": {"code", "message"}}`, JSON, with the expected status."""
    assert response.status_code == status, f"{response.status_code}: {response.text[:300]}"
    assert response.headers.get("Content-Type", "").startswith("application/json"), response.headers
    error = response.json()["error"]
    assert error["code"] in codes, error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    if index is not None:
        assert error.get("index") == index, error
    return error


def assert_nothing_stored(server, key, before):
    assert last_seq(server) == before, "a refused request stored something"
    assert log_after(server, key, before) == []


def open_private_sse(server, key, query):
    r = requests.get(f"{server.base}/sse/private?token={server.token(key)}&{query}", stream=True, timeout=(5, 60))
    reader = MessageReader(r, sse=True)
    reader.wait_for(lambda: any(i["event"] == "status" and i["data"]["status"] == "connected" for i in reader.items),
                    "the connected status")
    return reader


def open_site_stream(server, follow):
    auth = server.app_auth(follow)
    r = requests.get(f"{server.base}/1.1/site.json?follow={','.join(map(str, follow))}", auth=auth, stream=True, timeout=(5, 60))
    reader = MessageReader(r, sse=False)
    reader.wait_for(lambda: sum(1 for i in reader.items if "for_user" in i) == len(follow), "the friends preambles")
    return reader


def test_tweet_text_is_25000_characters_counted_as_graphemes_and_delivered_whole(server):
    key = server.create_key(events_per_second=1000)
    server.publish(key, [ALICE])
    stream = open_private_sse(server, key, "users=alice")
    site = open_site_stream(server, [1])

    accepted = {}
    for n, (name, char) in enumerate(CHARACTERS):
        text = char * 25_000
        before = last_seq(server)
        # One character more is refused, and so is the whole batch around it: the user_update at index 0
        # is not stored either.
        refused = post(server, key, [user(50 + n, f"x{n}"), tweet(100 + n, char * 25_001, ALICE)])
        assert_refused(refused, 400, {"invalid_event"}, index=1)
        assert_nothing_stored(server, key, before)

        r = post(server, key, [tweet(200 + n, text, ALICE)])
        assert r.status_code == 200, f"{name}: 25,000 characters refused: {r.text[:300]}"
        assert r.json() == {"accepted": 1, "first_seq": before + 1, "last_seq": before + 1}
        accepted[str(200 + n)] = text

    # Stored whole: the log gives back every code point (no normalisation either: 'e' + U+0301 stays two).
    stored = {e["data"]["id_str"]: e["data"]["text"] for e in log_after(server, key, 0) if e["type"] == "tweet"}
    assert stored == accepted

    # Delivered whole, in order, and only those: Private SSE (the document's "complete, untruncated")...
    tweets = lambda: [i for i in stream.items if i["event"] == "tweet"]
    stream.wait_for(lambda: len(tweets()) >= 4, "the four long tweets on Private SSE")
    assert [t["data"]["id"] for t in tweets()] == list(accepted)
    for t in tweets():
        assert t["data"]["text"] == accepted[t["data"]["id"]], "truncated or altered on Private SSE"
    # ... and Site Streams, whose Twitter shape says `"truncated": false`.
    site_tweets = lambda: [i["message"] for i in site.items if "text" in i.get("message", {})]
    site.wait_for(lambda: len(site_tweets()) >= 4, "the four long tweets on Site Streams")
    assert [m["id_str"] for m in site_tweets()] == list(accepted)
    for m in site_tweets():
        assert m["text"] == accepted[m["id_str"]], "truncated or altered on Site Streams"
        assert m["truncated"] is False
    stream.close()
    site.close()


def test_direct_message_text_is_10000_characters(server):
    key = server.create_key()
    server.publish(key, [ALICE, BOB])
    site = open_site_stream(server, [2])

    def dm(mid, text):
        return {"type": "direct_message", "data": {"id": mid, "sender_id": 1, "recipient_id": 2, "text": text,
                                                   "created_at": "2024-01-01T12:00:00Z"}}

    accepted = {}
    for n, (name, char) in enumerate(CHARACTERS):
        before = last_seq(server)
        assert_refused(post(server, key, [dm(100 + n, char * 10_001)]), 400, {"invalid_event"}, index=0)
        assert_nothing_stored(server, key, before)
        r = post(server, key, [dm(200 + n, char * 10_000)])
        assert r.status_code == 200, f"{name}: 10,000 characters refused: {r.text[:300]}"
        assert r.json()["first_seq"] == before + 1
        accepted[200 + n] = char * 10_000

    stored = {e["data"]["id"]: e["data"]["text"] for e in log_after(server, key, 0) if e["type"] == "direct_message"}
    assert stored == accepted
    # The recipient's site stream carries each one whole.
    dms = lambda: [i["message"]["direct_message"] for i in site.items if "direct_message" in i.get("message", {})]
    site.wait_for(lambda: len(dms()) >= 4, "the four direct messages on the recipient's site stream")
    assert {m["id"]: m["text"] for m in dms()} == accepted
    site.close()


def padded_batch(events, size, ndjson=False):
    """`events` as a JSON array (or NDJSON lines) padded with whitespace to exactly `size` bytes."""
    if ndjson:
        body = "\n".join(json.dumps(e) for e in events).encode() + b"\n"
        return body + b"\n" * (size - len(body))
    body = json.dumps(events).encode()
    return body[:-1] + b" " * (size - len(body)) + b"]"


def test_a_body_of_8_mib_is_read_and_one_byte_more_is_refused_with_413(server):
    key = server.create_key()
    server.publish(key, [ALICE])

    # Exactly 8 MiB (whitespace is legal JSON): read and stored.
    exact = padded_batch([tweet(10, "exactly eight mebibytes", ALICE)], 8 * MIB)
    assert len(exact) == 8 * MIB
    r = post(server, key, exact)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["accepted"] == 1

    # One byte more, in every way a producer can send it: with a Content-Length, chunked (no length known
    # in advance), and as NDJSON. Each is refused with 413 and stores nothing.
    before = last_seq(server)
    over = padded_batch([tweet(11, "one byte too many", ALICE)], 8 * MIB + 1)
    assert len(over) == 8 * MIB + 1
    assert_refused(post(server, key, over), 413, {"payload_too_large"})

    def chunked(body):
        for start in range(0, len(body), 256 * 1024):
            yield body[start:start + 256 * 1024]
    assert_refused(post(server, key, chunked(over)), 413, {"payload_too_large"})
    ndjson = padded_batch([tweet(12, "one byte too many", ALICE)], 8 * MIB + 1, ndjson=True)
    assert_refused(post(server, key, ndjson, "application/x-ndjson"), 413, {"payload_too_large"})
    assert_nothing_stored(server, key, before)

    # The server goes on taking ordinary batches (the refused connections left nothing behind).
    r = post(server, key, [tweet(13, "after the refusals", ALICE)])
    assert r.status_code == 200 and r.json()["first_seq"] == before + 1, r.text


def test_a_batch_holds_10000_events_and_10001_are_refused_whole(server):
    key = server.create_key()
    users = [user(1000 + i, f"user{i}") for i in range(10_001)]

    # 10,001 events, as a JSON array and as NDJSON: README, "a longer one is refused whole: `invalid_event`,
    # with the `index` of the 10,001st" (index 10000, counting from 0 as every batch error does); nothing
    # stored. (Both bodies are far below 8 MiB, so `413 payload_too_large` would be the wrong rule.)
    for body, content_type in [(users, "application/json"), ("\n".join(json.dumps(u) for u in users), "application/x-ndjson")]:
        r = post(server, key, body, content_type)
        assert_refused(r, 400, {"invalid_event"}, index=10_000)
        assert_nothing_stored(server, key, 0)

    # 10,000: accepted whole, with consecutive sequence numbers; NDJSON too.
    r = post(server, key, users[:10_000])
    assert r.status_code == 200, r.text[:300]
    assert r.json() == {"accepted": 10_000, "first_seq": 1, "last_seq": 10_000}
    more = [user(20_000 + i, f"more{i}") for i in range(10_000)]
    r = post(server, key, "\n".join(json.dumps(u) for u in more), "application/x-ndjson")
    assert r.status_code == 200, r.text[:300]
    assert r.json() == {"accepted": 10_000, "first_seq": 10_001, "last_seq": 20_000}
    page = log_after(server, key, 9_999)
    assert [e["seq"] for e in page[:3]] == [10_000, 10_001, 10_002]
    assert [e["data"]["username"] for e in page[:3]] == ["user9999", "more0", "more1"]
