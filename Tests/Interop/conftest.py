"""Fixtures for interoperability tests: the real `sluice` binary, driven by third-party clients.

What more than one test file needs is written here once, so that the files differ only in what they
test: starting and stopping the server, the REST calls the tests set up with, the threads that read
streams, and the stalled client of the slow-reader and shutdown tests. Raw HTTP on sockets is in
rawhttp.py.
"""
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time

import pytest
import requests
from requests_oauthlib import OAuth1

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


def user(uid, name, followers=100, verified=False, protected=False):
    return {"type": "user_update", "data": {"id": uid, "username": name, "name": name.title(), "followers_count": followers,
                                            "verified": verified, "protected": protected}}


def tweet(tid, text, author, lang="en"):
    return {"type": "tweet", "data": {"id": tid, "text": text, "created_at": "2024-01-01T12:00:00Z", "lang": lang,
                                      "user": author["data"]}}


LISTENING = {"port": re.compile(r"sluice listening on 127\.0\.0\.1:(\d+)"),
             "stream_port": re.compile(r"sluice streams listening on 127\.0\.0\.1:(\d+)")}


class Sluice:
    """`sluice serve` on a free port with a fresh SQLite store (`db`, in `tmp_path`), `extra` arguments,
    and `env` added to the environment. Ready once it printed where it listens: `port`, and `stream_port`
    with `--stream-port 0` among `extra`.

    With the REST calls tests set up with, each asserting that it succeeded, so that a setup step that
    fails stops the test there, with the server's answer."""

    def __init__(self, tmp_path, *extra, env=None, db="sluice.db"):
        self.db = os.path.join(tmp_path, db)
        self.proc = subprocess.Popen(
            [sluice_binary(), "serve", "--port", "0", "--store", f"sqlite:{self.db}", "--admin-token", ADMIN,
             "--log-level", "warning", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})})
        wanted = {"port"} | ({"stream_port"} if "--stream-port" in extra else set())
        found = {}
        deadline = time.monotonic() + 30
        while set(found) != wanted and time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            for name, pattern in LISTENING.items():
                if match := pattern.search(line):
                    found[name] = int(match.group(1))
        if set(found) != wanted:
            self.proc.kill()
            self.proc.wait(timeout=15)
            raise AssertionError(f"sluice did not start: it printed {found} of the listeners {sorted(wanted)}")
        # Keep draining its output so it never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()
        self.port, self.stream_port = found["port"], found.get("stream_port")
        self.base = f"{'https' if '--tls-cert' in extra else 'http'}://127.0.0.1:{self.port}"

    def admin(self, method, path, body=None):
        r = requests.request(method, f"{self.base}{path}", json=body, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10)
        assert r.status_code in (200, 201), r.text
        return r.json()

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
        r = requests.post(f"{self.base}/v1/events", json=events, headers={"Authorization": f"Bearer {key}"}, timeout=60)
        assert r.status_code == 200, r.text
        return r.json()

    def app_auth(self, users):
        """A new app, granted access by each of `users`: its owner's OAuth 1.0a signer, for Site Streams."""
        app = self.admin("POST", "/v1/admin/apps", {"name": "interop"})
        for uid in users:
            self.admin("POST", f"/v1/admin/apps/{app['id']}/grants", {"user_id": uid})
        return OAuth1(app["consumer_key"], app["consumer_secret"], app["access_token"], app["access_token_secret"])

    def metrics(self):
        """One scrape of `/metrics` (on its own connection, closed after it), as {series: value}."""
        r = requests.get(f"{self.base}/metrics", headers={"Connection": "close"}, timeout=10)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain"), r.headers
        return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in r.text.splitlines() if line and not line.startswith("#")}

    def stop(self):
        """SIGTERM, after which the server must exit within 15 s: one that does not is killed, and the
        test fails, rather than leaving it running."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
                raise AssertionError("sluice did not exit within 15 s of SIGTERM") from None


@pytest.fixture
def server(tmp_path):
    """A server with the default settings, for the test."""
    s = Sluice(tmp_path)
    yield s
    s.stop()


@pytest.fixture
def start_server(tmp_path):
    """For tests that need servers with other settings, several at once, or a restart: starts a `Sluice`
    in the test's directory with the arguments given; every one started is stopped at the end."""
    with contextlib.ExitStack() as started:
        def start(*extra, env=None, db="sluice.db"):
            s = Sluice(tmp_path, *extra, env=env, db=db)
            started.callback(s.stop)
            return s
        yield start


class BackgroundReader(threading.Thread):
    """Reads a streaming response in a thread, recording in `items` what the subclass's `read()` yields,
    and how the reading ended (`ended`, at `ended_at`; `error`, the exception that ended it, or None for
    the end of the stream or after `close()`). A wait on it fails as soon as the stream has ended without
    what it waits for, saying how it ended, rather than running out its time."""

    def __init__(self, response):
        super().__init__(daemon=True)
        assert response.status_code == 200, response.text
        self.response = response
        self.items, self.error, self.closing, self.ended_at = [], None, False, None
        self.ended = threading.Event()
        self.start()

    def read(self):
        """The items of the stream, as they arrive (an iterator over `self.response`)."""
        raise NotImplementedError

    def run(self):
        try:
            for item in self.read():
                self.items.append(item)
        except Exception as error:  # recorded, and reported by every wait that it makes hopeless
            if not self.closing:
                self.error = error
        finally:
            self.ended_at = time.monotonic()
            self.ended.set()

    def last(self):
        """The last items, as messages show them."""
        return str(self.items[-2:])[:300]

    def ending(self):
        if not self.ended.is_set():
            return f"stream open, {len(self.items)} items (last: {self.last()})"
        if self.closing:
            return f"closed by the test after {len(self.items)} items"
        how = f"{type(self.error).__name__}: {self.error}" if self.error else "the end of the stream"
        return f"reading ended by {how}, after {len(self.items)} items (last: {self.last()})"

    def wait_for(self, predicate, what, timeout=30):
        def done():
            if predicate():
                return True
            if self.ended.is_set() and not predicate():
                raise AssertionError(f"no {what}: {self.ending()}")
            return False
        wait_until(done, timeout=timeout, what=what, detail=self.ending)

    def close(self):
        self.closing = True
        hang_up(self.response)


class MessageReader(BackgroundReader):
    """The messages of a Private SSE stream (`sse=True`: each event's `data` parsed, with its SSE `event`
    and `id` added) or of a newline-delimited Site Streams connection; comments and keep-alives are
    passed over."""

    def __init__(self, response, sse):
        self.sse = sse
        super().__init__(response)

    def read(self):
        buffer, separator = b"", (b"\n\n" if self.sse else b"\r\n")
        for chunk in self.response.iter_content(chunk_size=None):
            buffer += chunk
            while separator in buffer:
                block, buffer = buffer.split(separator, 1)
                if self.sse:
                    fields = dict(line.split(": ", 1) for line in block.decode().split("\n") if ": " in line)
                    if "data" in fields:
                        yield {"event": fields.get("event", "message"), "id": fields.get("id"), **json.loads(fields["data"])}
                elif block:
                    yield json.loads(block)


def stalled_socket(server, request):
    """A client that sends its request and never reads: a small receive buffer, soon full."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", server.port))
    s.sendall(request.encode())
    return s


def fill_stalled_queue(server, key, api, author, word, first_id):
    """Publishes 1 KB tweets by `author` carrying `word`, 20 at a time from id `first_id`, until the stalled
    stream of `api` has filled its socket and 64 KiB of its queue: a quarter of the default 256 KiB, so that
    it waits with data queued but is not yet cut as a slow reader. That stream and one reader are the two
    open streams of `api`. Returns the id after the last tweet published."""
    next_id = first_id

    def full():
        nonlocal next_id
        m = server.metrics()
        assert m[f'sluice_open_connections{{api="{api}"}}'] == 2, "the stalled stream was cut before it filled"
        if m[f'sluice_outbox_bytes{{api="{api}"}}'] >= 64 * 1024:
            return True
        server.publish(key, [tweet(next_id + i, f"{word} " + "x" * 1000, author) for i in range(20)])
        next_id += 20
        return False
    wait_until(full, timeout=120, what=f"the stalled {api} stream's queue to fill", interval=0)
    return next_id


# The operator console in headless Chromium (Selenium, with Debian's chromium-driver).

@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def screenshot(driver, tmp_path, name):
    folder = os.environ.get("SLUICE_SCREENSHOTS") or str(tmp_path)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"console-{name}.png")
    assert driver.save_screenshot(path), path
    return path


def visible(driver, element_id):
    return driver.find_element("id", element_id).is_displayed()


def text(driver, element_id):
    """The element's text, shown or not (Selenium's `.text` is empty for a hidden element)."""
    return driver.find_element("id", element_id).get_attribute("textContent")


def sign_in(driver, token):
    field = driver.find_element("id", "token")
    field.clear()
    field.send_keys(token)
    driver.find_element("css selector", "#sign-in-form button[type=submit]").click()
