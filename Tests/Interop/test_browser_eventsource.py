"""Headless Chromium runs the Private SSE document's own JavaScript against the server.

The page is the document's code with its host replaced by the test server's, and `getValidToken()`
handing out tokens the test bought; everything the page receives is POSTed back to a small local
HTTP server, which also serves the page.
"""
import http.server
import json
import shutil
import subprocess
import tempfile
import threading

from conftest import tweet, user, wait_until

IDLE_TIMEOUT = 8

PAGE = """<!doctype html>
<html><body><script>
const BASE = %(base)s;
const tokens = %(tokens)s;
const unnamedToken = %(unnamed)s;
let reported = 0;
function report(what) {
  // Reports travel as concurrent requests: number them so the test can put them back in order.
  what.n = ++reported;
  fetch("/report", {method: "POST", body: JSON.stringify(what)});
}
function getValidToken() { return tokens.shift(); }

// --- The document's code, from "Event Types" and "Reconnection Strategy" ---
function connectPrivateSSE() {
  const token = getValidToken(); // Get or refresh token
  report({source: "named", type: "connecting", token: token});
  const eventSource = new EventSource(`${BASE}/sse/private?token=${token}&keywords=browser`);

  eventSource.onerror = function (error) {
    if (eventSource.readyState === EventSource.CLOSED) {
      // Token expired or connection lost
      report({source: "named", type: "closed"});
      setTimeout(() => {
        connectPrivateSSE(); // Reconnect with new token
      }, 5000);
    }
  };

  eventSource.addEventListener("tweet", function (event) {
    const data = JSON.parse(event.data);
    report({source: "named", type: "tweet", id: event.lastEventId, data: data});
  });
  eventSource.addEventListener("user", function (event) {
    const userData = JSON.parse(event.data);
    report({source: "named", type: "user", data: userData});
  });
  eventSource.addEventListener("status", function (event) {
    const status = JSON.parse(event.data);
    report({source: "named", type: "status", data: status});
  });
  return eventSource;
}
connectPrivateSSE();

// --- The document's "Connection Example": onmessage, which gets unnamed events ---
const eventSource = new EventSource(`${BASE}/sse/private?token=${unnamedToken}&keywords=browser&event_names=false`);
eventSource.onmessage = function (event) {
  const data = JSON.parse(event.data);
  report({source: "onmessage", type: data.type, data: data});
};
</script></body></html>
"""


def serve_page(page):
    reports = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            reports.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, reports


def test_document_javascript_in_headless_chromium(server):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Chromium is needed for this test (Debian: apt-get install chromium)"
    # A short idle timeout makes the server close the stream, to exercise the document's reconnection; it
    # must outlast the time from the streams' connecting to the tweets' delivery, on a loaded machine too.
    key = server.create_key(events_per_second=100, idle_timeout_seconds=IDLE_TIMEOUT)
    alice = user(1, "alice", followers=5000, verified=True)
    server.publish(key, [alice])
    tokens = [server.token(key) for _ in range(3)]
    page = PAGE % {"base": json.dumps(server.base), "tokens": json.dumps(tokens), "unnamed": json.dumps(server.token(key))}
    httpd, reports = serve_page(page)
    profile = tempfile.mkdtemp()
    browser = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         f"--user-data-dir={profile}", f"http://127.0.0.1:{httpd.server_address[1]}/page.html"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def seen(source, kind, predicate=lambda r: True):
            in_order = sorted(list(reports), key=lambda r: r["n"])
            return [r for r in in_order if r["source"] == source and r["type"] == kind and predicate(r)]

        def page_state():
            """What the page reported so far, and whether Chromium still runs: for a wait that runs out."""
            return f"Chromium {'running' if browser.poll() is None else f'exited {browser.returncode}'}; reports {sorted(list(reports), key=lambda r: r['n'])[-8:]}"

        connected = lambda r: r["data"]["data"]["status"] == "connected"
        idle_closed = lambda r: r["data"]["data"].get("reason") == "idle_timeout"
        wait_until(lambda: seen("named", "status", connected), timeout=60, what="the named stream to connect", detail=page_state)
        wait_until(lambda: seen("onmessage", "status"), timeout=60, what="the onmessage stream to connect", detail=page_state)

        published = server.publish(key, [tweet(1234567890123456789, "hello browser", alice), tweet(11, "not for you", alice),
                                         tweet(12, "browser again", alice)])
        # Neither stream may have idled out before the tweets were published (else the wait below is hopeless).
        assert not seen("named", "status", idle_closed) and not seen("onmessage", "status", idle_closed), \
            f"a stream idled out ({IDLE_TIMEOUT} s) before the tweets were published: {page_state()}"
        wait_until(lambda: len(seen("named", "tweet")) >= 2, timeout=30, what="tweets via addEventListener", detail=page_state)
        wait_until(lambda: len(seen("onmessage", "tweet")) >= 2, timeout=30, what="tweets via onmessage", detail=page_state)
        named = seen("named", "tweet")
        assert [r["data"]["data"]["id"] for r in named] == ["1234567890123456789", "12"], "ids survive JavaScript intact"
        assert named[0]["data"]["type"] == "tweet"
        assert named[0]["data"]["data"]["user"]["username"] == "alice"
        # lastEventId is the sequence number: the batch's first and third.
        first = published["first_seq"]
        assert [r["id"] for r in named] == [str(first), str(first + 2)], named
        assert [r["data"]["data"]["text"] for r in seen("onmessage", "tweet")] == ["hello browser", "browser again"]

        # The server closes the idle stream; EventSource retries the spent token (401), the document's
        # handler sees CLOSED and, 5 s later, reconnects with a new token.
        wait_until(lambda: seen("named", "status", idle_closed), timeout=IDLE_TIMEOUT + 30, what="the idle close", detail=page_state)
        wait_until(lambda: seen("named", "closed"), timeout=30, what="EventSource to give up on the spent token", detail=page_state)
        wait_until(lambda: len(seen("named", "status", connected)) == 2, timeout=30, what="the reconnection with a new token",
                   detail=page_state)
        assert [r["token"] for r in seen("named", "connecting")] == tokens[:2]
        # In the page's order: the tweets, the idle close, EventSource giving up, the new connection.
        in_page_order = sorted(seen("named", "tweet") + seen("named", "status") + seen("named", "closed"), key=lambda r: r["n"])
        assert [r["type"] if r["type"] != "status" else r["data"]["data"]["status"] for r in in_page_order] == \
            ["connected", "tweet", "tweet", "disconnected", "closed", "connected"], in_page_order
    finally:
        browser.kill()
        browser.wait()
        httpd.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
