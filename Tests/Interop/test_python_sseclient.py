"""A Python SSE client from PyPI (sseclient-py, on requests) against Private SSE."""
import json

import requests
import sseclient

from conftest import BackgroundReader, tweet, user


class Reader(BackgroundReader):
    """Reads a stream with sseclient-py, recording (event, id, data) for each event."""

    def __init__(self, url, headers=None):
        super().__init__(requests.get(url, stream=True, headers={"Accept": "text/event-stream", **(headers or {})}, timeout=30))

    def read(self):
        for event in sseclient.SSEClient(self.response).events():
            yield event.event, event.id, json.loads(event.data)

    def tweets(self):
        return [e for e in self.items if e[0] == "tweet"]


def test_sseclient_py_receives_named_filtered_events(server):
    key = server.create_key(events_per_second=100)
    alice = user(1, "alice", followers=5000, verified=True)
    server.publish(key, [alice])
    reader = Reader(f"{server.base}/sse/private?token={server.token(key)}&keywords=python,%23pypi&verified=true")
    reader.wait_for(lambda: any(e[0] == "status" for e in reader.items), what="the connected status")
    assert reader.items[0][2]["type"] == "status"
    assert reader.items[0][2]["data"]["status"] == "connected"
    assert reader.items[0][2]["data"]["filters"] == {"keywords": ["python", "#pypi"], "verified": True}

    first = server.publish(key, [tweet(10, "I write Python", alice), tweet(11, "pythonic code", alice),
                                 tweet(12, "new on #PyPI today", alice), tweet(13, "sentinel python", alice)])["first_seq"]
    reader.wait_for(lambda: any(e[2]["data"].get("id") == "13" for e in reader.tweets()), what="the sentinel")
    tweets = reader.tweets()
    assert [e[2]["data"]["id"] for e in tweets] == ["10", "12", "13"]
    # Each event's SSE id is its sequence number in the log: the batch's numbers, in order.
    assert [e[1] for e in tweets] == [str(first), str(first + 2), str(first + 3)]
    assert tweets[0][2]["data"]["user"]["username"] == "alice"
    assert not reader.ended.is_set(), reader.ending()
    reader.close()


def test_sseclient_py_resumes_with_last_event_id(server):
    key = server.create_key(events_per_second=100)
    alice = user(1, "alice")
    server.publish(key, [alice])
    reader = Reader(f"{server.base}/sse/private?token={server.token(key)}&keywords=resume")
    reader.wait_for(lambda: any(e[0] == "status" for e in reader.items), what="the connected status")
    seq = server.publish(key, [tweet(20, "resume one", alice)])["first_seq"]
    reader.wait_for(lambda: reader.tweets(), what="the first tweet")
    last_id = reader.tweets()[-1][1]
    assert last_id == str(seq)
    reader.close()

    server.publish(key, [tweet(21, "resume two", alice), tweet(22, "other", alice), tweet(23, "resume three", alice)])
    again = Reader(f"{server.base}/sse/private?token={server.token(key)}&keywords=resume", headers={"Last-Event-ID": last_id})
    again.wait_for(lambda: len(again.tweets()) >= 2, what="the missed tweets")
    assert [e[2]["data"]["id"] for e in again.tweets()] == ["21", "23"]
    assert [e[1] for e in again.tweets()] == [str(seq + 1), str(seq + 3)]
    again.close()


def test_refusals_are_json_with_stable_codes(server):
    key = server.create_key()
    r = requests.get(f"{server.base}/sse/private?token={server.token(key)}&min_followers=abc", timeout=10)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_filter"
    assert "min_followers" in r.json()["error"]["message"]
    r = requests.get(f"{server.base}/sse/private?token=st_unknown", timeout=10)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_token"
