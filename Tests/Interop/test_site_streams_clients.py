"""Site Streams through Python Twitter libraries that still speak it, over TLS, against the real binary.

TwitterAPI 2.8.2 asks for length-delimited streams (`delimited=length`, `stall_warnings=true`) and reads
each message by its byte count; peony-twitter 2.1.2 reads newline-delimited messages and drives the
control stream. Both sign with OAuth 1.0a through their own code (requests-oauthlib, peony.oauth).
Neither can be pointed at another host by configuration alone, so the tests give them this server's
base URL the way each allows: TwitterAPI's URL builder, peony's `base_url`.
"""
import asyncio
import os
import subprocess
import threading
import time

import pytest
import requests

from conftest import ADMIN, Sluice, tweet, user, wait_until

ALICE, BOB, CAROL = user(1, "alice"), user(2, "bob"), user(3, "carol", protected=True)


@pytest.fixture
def tls_server(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True)
    sluice = Sluice(tmp_path, "--tls-cert", str(cert), "--tls-key", str(key))
    # Both libraries trust what the environment names: requests and OpenSSL (aiohttp).
    saved = {name: os.environ.get(name) for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")}
    os.environ["REQUESTS_CA_BUNDLE"] = os.environ["SSL_CERT_FILE"] = str(cert)
    yield SiteServer(sluice, str(cert))
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    sluice.stop()


class SiteServer:
    def __init__(self, sluice, cert):
        self.sluice = sluice
        self.base = sluice.base
        self.cert = cert

    def stop(self):
        self.sluice.stop()

    def admin(self, method, path, body=None):
        r = requests.request(method, f"{self.base}{path}", json=body, headers={"Authorization": f"Bearer {ADMIN}"},
                             verify=self.cert, timeout=10)
        assert r.status_code in (200, 201), r.text
        return r.json()

    def setup(self):
        """alice follows bob; bob follows alice; carol is protected. The app is granted by all three."""
        r = requests.post(f"{self.base}/v1/admin/keys", json={"name": "pub", "scopes": ["ingest"]},
                          headers={"Authorization": f"Bearer {ADMIN}"}, verify=self.cert, timeout=10)
        self.key = r.json()["key"]
        self.publish([ALICE, BOB, CAROL, {"type": "follow", "data": {"source_id": 1, "target_id": 2}},
                      {"type": "follow", "data": {"source_id": 2, "target_id": 1}}])
        app = self.admin("POST", "/v1/admin/apps", {"name": "interop"})
        for uid in (1, 2, 3):
            self.admin("POST", f"/v1/admin/apps/{app['id']}/grants", {"user_id": uid})
        return app

    def publish(self, events):
        r = requests.post(f"{self.base}/v1/events", json=events, headers={"Authorization": f"Bearer {self.key}"},
                          verify=self.cert, timeout=10)
        assert r.status_code == 200, r.text


def test_twitterapi_reads_a_length_delimited_site_stream(tls_server, monkeypatch):
    from TwitterAPI import TwitterAPI

    app = tls_server.setup()
    api = TwitterAPI(app["consumer_key"], app["consumer_secret"], app["access_token"], app["access_token_secret"])
    api._prepare_url = lambda subdomain, path: f"{tls_server.base}/1.1/{path}.json"
    response = api.request("site", {"follow": "1,2,3", "with": "followings"})
    assert response.status_code == 200, response.text
    received, errors = [], []

    def read():
        try:
            for item in response:
                received.append(item)
        except Exception as error:  # recorded: reported by every wait, and checked once the stream ended
            errors.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def waiting(condition):
        def done():
            assert not errors, f"the stream's reading failed: {errors!r} after {received[-2:]}"
            return condition()
        return done
    wait_until(waiting(lambda: len(received) >= 4), what="control message and three preambles")
    assert received[0]["control"]["control_uri"].startswith("/1.1/site/c/")
    preambles = {m["for_user"]: m["message"]["friends"] for m in received[1:4]}
    assert preambles == {1: [2], 2: [1], 3: []}

    tls_server.publish([tweet(500, "hello from bob, with a long text " + "é" * 300, BOB),
                        tweet(501, "carol's protected thoughts", CAROL)])
    wait_until(waiting(lambda: sum(1 for m in received if m.get("message", {}).get("id") == 500) == 2), what="bob's tweet twice")
    wait_until(waiting(lambda: any(m.get("message", {}).get("id") == 501 for m in received)), what="carol's tweet")
    bobs = sorted(m["for_user"] for m in received if m.get("message", {}).get("id") == 500)
    carols = [m["for_user"] for m in received if m.get("message", {}).get("id") == 501]
    assert bobs == [1, 2], "alice follows bob; bob wrote it"
    assert carols == [3], "only carol may see her protected tweet"
    assert received[-1]["message"]["text"] == "carol's protected thoughts"

    # A graceful shutdown tells every stream why it ends: disconnect code 1.
    tls_server.stop()
    wait_until(lambda: "disconnect" in received[-1], what="the disconnect message", detail=lambda: f"reader errors {errors!r}")
    assert received[-1]["disconnect"]["code"] == 1
    # Then the stream ends. TwitterAPI takes the end of a stream for a pause, and reports it as a stall
    # once `STREAMING_TIMEOUT` (90 s) has passed without a byte, polling all the while: with the timeout
    # shortened now that the stream has said its last word, that report is the end, and the only error
    # allowed.
    monkeypatch.setattr(TwitterAPI, "STREAMING_TIMEOUT", 0.5)
    reader.join(timeout=10)
    assert not reader.is_alive(), "TwitterAPI did not see the end of the stream"
    assert [(type(e).__name__, str(e)) for e in errors] == [("TwitterConnectionError", "Twitter stream stalled")], errors
    response.close()


def test_twitterapi_is_refused_with_a_wrong_secret(tls_server):
    from TwitterAPI import TwitterAPI

    app = tls_server.setup()
    api = TwitterAPI(app["consumer_key"], "wrong-secret", app["access_token"], app["access_token_secret"])
    api._prepare_url = lambda subdomain, path: f"{tls_server.base}/1.1/{path}.json"
    assert api.request("site", {"follow": "1"}).status_code == 401


def test_peony_reads_a_newline_delimited_site_stream_and_drives_its_control_stream(tls_server):
    import peony

    app = tls_server.setup()

    async def scenario():
        client = peony.BasePeonyClient(
            consumer_key=app["consumer_key"], consumer_secret=app["consumer_secret"], access_token=app["access_token"],
            access_token_secret=app["access_token_secret"], base_url=tls_server.base + "/{version}")
        messages = []
        async with client:
            stream = client["sitestream"].site.get(follow="1")
            async with stream:
                async def read():
                    async for message in stream:
                        messages.append(message)

                reader = asyncio.ensure_future(read())

                async def until(condition, what):
                    deadline = time.monotonic() + 10
                    while not condition():
                        assert time.monotonic() < deadline, f"timed out waiting for {what}; got {messages}"
                        await asyncio.sleep(0.02)

                await until(lambda: any("control" in m for m in messages), "the control message")
                control = next(m for m in messages if "control" in m)["control"]["control_uri"]
                stream_id = control.rsplit("/", 1)[-1]
                await until(lambda: any(m.get("for_user") == 1 for m in messages), "alice's preamble")

                added = await client["api"].site.c[stream_id].add_user.post(user_id="2")
                assert list(added["added"]) == [2]
                await until(lambda: any(m.get("for_user") == 2 for m in messages), "bob's preamble")

                info = await client["api"].site.c[stream_id].info.get()
                assert sorted(u["id"] for u in info["info"]["users"]) == [1, 2]
                friends = await client["api"].site.c[stream_id].friends.ids.get(user_id="1")
                assert list(friends["follow"]["friends"]) == [2]

                await client["api"].site.c[stream_id].remove_user.post(user_id="1")
                tls_server.publish([tweet(600, "bob says hi to @alice", BOB)])
                await until(lambda: any(m.get("message", {}).get("id") == 600 for m in messages), "bob's tweet")
                assert [m["for_user"] for m in messages if m.get("message", {}).get("id") == 600] == [2], \
                    "alice was removed: only bob's copy arrives"
                reader.cancel()

    asyncio.run(scenario())
