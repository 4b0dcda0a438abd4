"""A Python SSE client from PyPI (sseclient-py, on requests) against Private SSE."""
import json
import threading

import requests
import sseclient

from conftest import tweet, user, wait_until


def stream_in_background(url, headers=None):
    """Reads the stream with sseclient-py in a thread; returns the list it fills with (event, id, data)."""
    received = []
    response = requests.get(url, stream=True, headers={"Accept": "text/event-stream", **(headers or {})}, timeout=30)
    assert response.status_code == 200, response.text
    client = sseclient.SSEClient(response)

    def run():
        try:
            for event in client.events():
                received.append((event.event, event.id, json.loads(event.data)))
        except Exception:
            pass

    threading.Thread(target=run, daemon=True).start()
    return received, response


def test_sseclient_py_receives_named_filtered_events(server):
    key = server.create_key(events_per_second=100)
    alice = user(1, "alice", followers=5000, verified=True)
    server.publish(key, [alice])
    received, _ = stream_in_background(f"{server.base}/sse/private?token={server.token(key)}&keywords=python,%23pypi&verified=true")
    wait_until(lambda: any(e[0] == "status" for e in received), what="the connected status")
    assert received[0][2]["type"] == "status"
    assert received[0][2]["data"]["status"] == "connected"
    assert received[0][2]["data"]["filters"] == {"keywords": ["python", "#pypi"], "verified": True}

    server.publish(key, [tweet(10, "I write Python", alice), tweet(11, "pythonic code", alice),
                         tweet(12, "new on #PyPI today", alice), tweet(13, "sentinel python", alice)])
    wait_until(lambda: any(e[2]["data"].get("id") == "13" for e in received if e[0] == "tweet"), what="the sentinel")
    tweets = [e for e in received if e[0] == "tweet"]
    assert [e[2]["data"]["id"] for e in tweets] == ["10", "12", "13"]
    assert all(e[1] for e in tweets), "every tweet carries its sequence id"
    assert tweets[0][2]["data"]["user"]["username"] == "alice"


def test_sseclient_py_resumes_with_last_event_id(server):
    key = server.create_key(events_per_second=100)
    alice = user(1, "alice")
    server.publish(key, [alice])
    received, _ = stream_in_background(f"{server.base}/sse/private?token={server.token(key)}&keywords=resume")
    wait_until(lambda: any(e[0] == "status" for e in received), what="connected")
    server.publish(key, [tweet(20, "resume one", alice)])
    wait_until(lambda: any(e[0] == "tweet" for e in received), what="the first tweet")
    last_id = [e for e in received if e[0] == "tweet"][-1][1]

    server.publish(key, [tweet(21, "resume two", alice), tweet(22, "other", alice), tweet(23, "resume three", alice)])
    again, _ = stream_in_background(f"{server.base}/sse/private?token={server.token(key)}&keywords=resume",
                                           headers={"Last-Event-ID": last_id})
    wait_until(lambda: len([e for e in again if e[0] == "tweet"]) == 2, what="the missed tweets")
    assert [e[2]["data"]["id"] for e in again if e[0] == "tweet"] == ["21", "23"]


def test_refusals_are_json_with_stable_codes(server):
    key = server.create_key()
    r = requests.get(f"{server.base}/sse/private?token={server.token(key)}&min_followers=abc", timeout=10)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_filter"
    assert "min_followers" in r.json()["error"]["message"]
    r = requests.get(f"{server.base}/sse/private?token=st_unknown", timeout=10)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_token"
