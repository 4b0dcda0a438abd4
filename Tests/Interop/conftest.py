"""Fixtures for interoperability tests: the real `sluice` binary, driven by third-party clients."""
import json
import os
import re
import socket
import subprocess
import threading
import time

import pytest
import requests

ADMIN = "interop-admin"


def sluice_binary():
    path = os.environ.get("SLUICE_BIN")
    if not path:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        path = os.path.join(root, ".build", "debug", "sluice")
    assert os.access(path, os.X_OK), f"no sluice binary at {path}: run `swift build` or set SLUICE_BIN"
    return path


def wait_until(condition, timeout=10.0, what="condition", detail=None, interval=0.02):
    """Polls `condition` until it is true (it may also raise, to give up early); fails after `timeout`
    seconds, with `detail()` in the message: what the readers recorded (their errors, how their streams
    ended), so that a stream that broke is reported as such, not as a mere wait that ran out."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}" + (f"; {detail()}" if detail else ""))


def hang_up(response):
    """Closes a streaming response's socket under the thread reading it (`close()` would wait for that
    thread's read to return, up to the next keepalive)."""
    try:
        response.raw._fp.fp.raw._sock.shutdown(socket.SHUT_RDWR)
    except (AttributeError, OSError):
        response.close()


class Server:
    def __init__(self, base):
        self.base = base

    def create_key(self, scopes=("stream", "ingest", "read"), **limits):
        body = {"name": "interop", "scopes": list(scopes)}
        if limits:
            body["limits"] = limits
        r = requests.post(f"{self.base}/v1/admin/keys", json=body, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10)
        assert r.status_code == 201, r.text
        return r.json()["key"]

    def token(self, key):
        r = requests.post(f"{self.base}/sse/token", headers={"Authorization": f"Bearer {key}"}, timeout=10)
        assert r.status_code == 201, r.text
        return r.json()["token"]

    def publish(self, key, events):
        r = requests.post(f"{self.base}/v1/events", json=events, headers={"Authorization": f"Bearer {key}"}, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()


def user(uid, name, followers=100, verified=False, protected=False):
    return {"type": "user_update", "data": {"id": uid, "username": name, "name": name.title(), "followers_count": followers,
                                            "verified": verified, "protected": protected}}


def tweet(tid, text, author, lang="en"):
    return {"type": "tweet", "data": {"id": tid, "text": text, "created_at": "2024-01-01T12:00:00Z", "lang": lang,
                                      "user": author["data"]}}


def start_sluice(tmp_path, *extra):
    """Starts `sluice serve` on a free port with a fresh store; returns the process and its port."""
    proc = subprocess.Popen(
        [sluice_binary(), "serve", "--port", "0", "--store", f"sqlite:{tmp_path}/sluice.db", "--admin-token", ADMIN,
         "--log-level", "warning", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    port = None
    deadline = time.monotonic() + 30
    while port is None and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        match = re.search(r"sluice listening on 127\.0\.0\.1:(\d+)", line)
        if match:
            port = int(match.group(1))
    assert port, "sluice did not start"
    # Keep draining its output so it never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc, port


def stop_sluice(proc):
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.fixture
def server(tmp_path):
    proc, port = start_sluice(tmp_path)
    yield Server(f"http://127.0.0.1:{port}")
    stop_sluice(proc)
