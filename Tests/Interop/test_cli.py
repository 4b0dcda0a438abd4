"""The command line against a running server: `sluice keys`, `sluice apps` and `sluice tail`.

The README: `sluice keys create --name … --scopes ingest,read`, `sluice keys list`, `sluice keys revoke
KEY_ID` (each with `--admin-token`, or `SLUICE_ADMIN_TOKEN`, and `--url`); `sluice apps create --name …`,
`apps list`, `apps grant APP_ID USER_ID`, `apps revoke APP_ID USER_ID`; "revoke one (effective at once)";
secrets are "shown only in this response"; `GET /v1/admin/apps` "lists apps without their secrets".
`sluice tail --key K [filters]` "prints a stream one event per line". Each effect is checked through the
HTTP API, not through the CLI's own word.
"""
import json
import os
import signal
import subprocess
import threading

import requests
from requests_oauthlib import OAuth1

from conftest import ADMIN, MessageReader, sluice_binary, tweet, user, wait_until

ALICE, BOB = user(1, "alice"), user(2, "bob")
# The commands must not pick up credentials from the environment the tests run in.
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("SLUICE_ADMIN_TOKEN", "SLUICE_KEY")}


def sluice(*args, env=None):
    done = subprocess.run([sluice_binary(), *args], capture_output=True, text=True, timeout=60, env={**CLEAN_ENV, **(env or {})})
    return done.returncode, done.stdout, done.stderr


def admin_cli(server, *args):
    return sluice(*args, "--url", server.base, "--admin-token", ADMIN)


def fields(output):
    """`name: value` lines, as `keys create` and `apps create` print them."""
    return {name.strip(): value.strip() for name, _, value in (line.partition(":") for line in output.splitlines()) if value}


def admin_get(server, path):
    r = requests.get(f"{server.base}{path}", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def assert_fails(result, *needles):
    code, out, err = result
    assert code != 0, f"succeeded: {out}{err}"
    for needle in needles:
        assert needle in err, f"{needle!r} not in the error: {err!r}"


def test_keys_are_created_listed_and_revoked_with_effect(server):
    code, out, err = admin_cli(server, "keys", "create", "--name", "cli-producer", "--scopes", "ingest,read")
    assert code == 0, err
    created = fields(out)
    key_id, secret = created["id"], created["key"]
    assert key_id.startswith("key_") and secret.startswith("sk_"), out
    assert created["name"] == "cli-producer" and created["scopes"] == "ingest,read"

    # The key works for exactly its scopes.
    auth = {"Authorization": f"Bearer {secret}"}
    assert requests.post(f"{server.base}/v1/events", json=[ALICE], headers=auth, timeout=10).status_code == 200
    assert requests.get(f"{server.base}/v1/events?after=0", headers=auth, timeout=10).status_code == 200
    r = requests.post(f"{server.base}/sse/token", headers=auth, timeout=10)
    assert (r.status_code, r.json().get("error", {}).get("code")) == (403, "forbidden"), r.text

    # Listed (with the token from the environment this time), never with its secret; the admin API agrees.
    code, listing, err = sluice("keys", "list", "--url", server.base, env={"SLUICE_ADMIN_TOKEN": ADMIN})
    assert code == 0, err
    line = next(line for line in listing.splitlines() if key_id in line)
    assert "cli-producer" in line and "ingest,read" in line and "active" in line, line
    assert secret not in listing
    listed = {k["id"]: k for k in admin_get(server, "/v1/admin/keys")["keys"]}
    assert listed[key_id]["name"] == "cli-producer" and listed[key_id]["scopes"] == ["ingest", "read"]
    assert secret not in json.dumps(listed)

    # Revoked: refused at once, and listed as revoked.
    code, out, err = admin_cli(server, "keys", "revoke", key_id)
    assert code == 0, err
    assert key_id in out
    r = requests.post(f"{server.base}/v1/events", json=[BOB], headers=auth, timeout=10)
    assert (r.status_code, r.json().get("error", {}).get("code")) == (401, "unauthorized"), r.text
    code, listing, _ = admin_cli(server, "keys", "list")
    assert "revoked" in next(line for line in listing.splitlines() if key_id in line)

    # Mistakes are told apart, and fail.
    assert_fails(admin_cli(server, "keys", "revoke", "key_doesnotexist"), "404", "not_found")
    assert_fails(sluice("keys", "list", "--url", server.base, "--admin-token", "wrong-token"), "401", "unauthorized")
    assert_fails(sluice("keys", "list", "--url", server.base), "--admin-token")
    assert_fails(admin_cli(server, "keys", "create", "--scopes", "ingest"), "--name")
    assert_fails(sluice("keys", "frobnicate"), "frobnicate")
    # Nothing was created by the failed commands.
    assert [k["id"] for k in admin_get(server, "/v1/admin/keys")["keys"]] == [key_id]


def test_apps_are_created_listed_granted_and_revoked_with_effect(server):
    key = server.create_key(scopes=("ingest",))
    server.publish(key, [ALICE, BOB])

    code, out, err = admin_cli(server, "apps", "create", "--name", "cli-app")
    assert code == 0, err
    app = fields(out)
    secrets = [app["consumer_secret"], app["access_token_secret"]]
    code, listing, err = admin_cli(server, "apps", "list")
    assert code == 0, err
    line = next(line for line in listing.splitlines() if app["id"] in line)
    assert "cli-app" in line and app["consumer_key"] in line, line
    assert not any(s in listing for s in secrets), "apps list shows a secret"
    listed = {a["id"]: a for a in admin_get(server, "/v1/admin/apps")["apps"]}
    assert listed[app["id"]]["name"] == "cli-app" and listed[app["id"]]["consumer_key"] == app["consumer_key"]

    code, out, err = admin_cli(server, "apps", "grant", app["id"], "1")
    assert code == 0, err
    # The printed credentials sign a site stream; only the granted user is carried (bob is skipped).
    auth = OAuth1(app["consumer_key"], app["consumer_secret"], app["access_token"], app["access_token_secret"])
    stream = MessageReader(requests.get(f"{server.base}/1.1/site.json?follow=1,2", auth=auth, stream=True, timeout=(5, 60)), sse=False)
    server.publish(key, [tweet(10, "hello @alice", BOB)])
    stream.wait_for(lambda: any(m.get("message", {}).get("id") == 10 for m in stream.items), what="bob's tweet for alice")
    assert sorted({m["for_user"] for m in stream.items if "for_user" in m}) == [1], stream.items

    code, out, err = admin_cli(server, "apps", "revoke", app["id"], "1")
    assert code == 0, err
    stream.wait_for(lambda: any(m.get("message", {}).get("event") == "access_revoked" for m in stream.items),
                    what="access_revoked on the stream")
    stream.close()

    assert_fails(admin_cli(server, "apps", "revoke", app["id"], "1"), "404")
    assert_fails(admin_cli(server, "apps", "grant", app["id"], "999"), "404")
    assert_fails(admin_cli(server, "apps", "grant", "app_doesnotexist", "1"), "404")
    assert_fails(admin_cli(server, "apps", "grant", app["id"], "alice"), "alice")
    assert_fails(admin_cli(server, "apps", "create"), "--name")
    assert [a["id"] for a in admin_get(server, "/v1/admin/apps")["apps"]] == [app["id"]]


class Tail:
    """`sluice tail` running, its lines collected (`lines` from its output, `errors` from its standard
    error). A thread that cannot read them (output that is not UTF-8) records why in `read_errors`,
    which every wait reports and `stop()` fails on."""

    def __init__(self, server, *args, key=None):
        self.proc = subprocess.Popen([sluice_binary(), "tail", "--url", server.base, *(["--key", key] if key else []), *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=CLEAN_ENV)
        self.lines, self.errors, self.read_errors = [], [], []
        for pipe, into in ((self.proc.stdout, self.lines), (self.proc.stderr, self.errors)):
            threading.Thread(target=self.collect, args=(pipe, into), daemon=True).start()

    def collect(self, pipe, into):
        try:
            for line in pipe:
                into.append(line.rstrip("\n"))
        except Exception as error:  # recorded: reported by every wait, and failed on by stop()
            self.read_errors.append(f"{type(error).__name__}: {error}")

    def events(self, kind):
        """(sequence, payload) of each printed line of that kind: `SEQ<TAB>KIND<TAB>JSON`."""
        rows = [line.split("\t", 2) for line in self.lines]
        return [(row[0], json.loads(row[2])) for row in rows if len(row) == 3 and row[1] == kind]

    def statuses(self, status):
        return [data["data"] for _, data in self.events("status") if data["data"]["status"] == status]

    def wait_for(self, predicate, what, timeout=30):
        def done():
            assert not self.read_errors, f"tail's output could not be read: {self.read_errors}"
            return predicate()
        wait_until(done, timeout=timeout, what=what,
                   detail=lambda: f"lines {self.lines[-4:]}, errors {self.errors}, exit {self.proc.poll()}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        assert not self.read_errors, f"tail's output could not be read: {self.read_errors}"


def test_tail_prints_the_matching_events_and_resumes_after_an_id(server):
    key = server.create_key(scopes=("stream", "ingest"))
    server.publish(key, [ALICE])
    tail = Tail(server, "--keywords", "tailword", key=key)
    try:
        tail.wait_for(lambda: tail.statuses("connected"), "the connected status")
        assert tail.statuses("connected")[0]["filters"] == {"keywords": ["tailword"]}
        acked = server.publish(key, [tweet(10, "tailword one", ALICE), tweet(11, "something else", ALICE),
                                     tweet(12, "two #tailword", ALICE)])
        first, last = str(acked["first_seq"]), str(acked["last_seq"])
        tail.wait_for(lambda: any(seq == last for seq, _ in tail.events("tweet")), "the second matching tweet")
        # One line per event, in order, with its sequence number; the tweet in between does not match.
        assert [(seq, t["data"]["id"], t["data"]["text"]) for seq, t in tail.events("tweet")] == [
            (first, "10", "tailword one"), (last, "12", "two #tailword")]
    finally:
        tail.stop()

    resumed = Tail(server, "--keywords", "tailword", "--last-event-id", first, key=key)
    try:
        resumed.wait_for(lambda: resumed.events("tweet"), "the replayed tweet")
        server.publish(key, [tweet(13, "tailword three", ALICE)])
        resumed.wait_for(lambda: len(resumed.events("tweet")) == 2, "the live tweet after the replay")
        assert [t["data"]["id"] for _, t in resumed.events("tweet")] == ["12", "13"], "only what came after the id"
    finally:
        resumed.stop()


def test_tail_fails_clearly_on_bad_keys_and_bad_arguments(server):
    key = server.create_key(scopes=("stream", "ingest"))
    server.publish(key, [ALICE])
    key_id = admin_get(server, "/v1/admin/keys")["keys"][0]["id"]

    # A key revoked under a running tail: the stream's farewell is printed, then tail stops with the
    # server's refusal of a new token.
    tail = Tail(server, key=key)
    try:
        tail.wait_for(lambda: tail.statuses("connected"), "the connected status")
        assert admin_cli(server, "keys", "revoke", key_id)[0] == 0
        tail.wait_for(lambda: tail.proc.poll() is not None, "tail to stop after its key was revoked")
        assert tail.statuses("disconnected")[-1]["reason"] == "key_revoked"
        assert tail.proc.returncode != 0
        assert "401" in "".join(tail.errors), tail.errors
    finally:
        tail.stop()

    ingest_only, stream_key = server.create_key(scopes=("ingest",)), server.create_key(scopes=("stream",))
    for args, needles in [
        (["--key", ingest_only], ["403", "stream"]),         # the key lacks the stream scope
        (["--key", "sk_doesnotexist"], ["401"]),             # an unknown key
        (["--key", stream_key, "--min-followers=-3"], ["min_followers"]),   # refused by the server's filter check
        (["--key", stream_key, "--verified", "maybe"], ["maybe"]),           # refused by the argument parser
        ([], ["--key"]),                                     # no key at all (and no SLUICE_KEY)
    ]:
        assert_fails(sluice("tail", "--url", server.base, *args), *needles)


def test_a_second_server_on_the_same_sqlite_file_refuses_to_start(server):
    """README: "One server process owns an SQLite file at a time." A second `serve` on the same file
    exits at once, saying why, and the first goes on serving, its log whole."""
    key = server.create_key()
    server.publish(key, [ALICE])
    code, out, err = sluice("serve", "--port", "0", "--store", f"sqlite:{server.db}", "--log-level", "warning")
    assert code != 0
    assert "in use" in out + err, out + err
    assert requests.get(f"{server.base}/healthz", timeout=10).status_code == 200
    server.publish(key, [BOB])
    log = requests.get(f"{server.base}/v1/events", headers={"Authorization": f"Bearer {key}"}, timeout=10).json()["events"]
    assert [e["data"]["id"] for e in log] == [1, 2]


def test_the_demo_prints_urls_that_work_even_on_a_port_chosen_by_the_system(tmp_path):
    """`serve --demo --port 0`: the URL the demo prints names the port the server listens on, and
    answers with the demo key it prints."""
    proc = subprocess.Popen(
        [sluice_binary(), "serve", "--demo", "--port", "0", "--store", f"sqlite:{tmp_path}/demo.db", "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=CLEAN_ENV)
    try:
        port, url = None, None
        for line in proc.stdout:
            if line.startswith("sluice listening on "):
                port = int(line.rsplit(":", 1)[1])
            if "read the log:" in line:
                url = line
                break
        assert port and url, "the demo did not print its URLs"
        key = url.split("Bearer ", 1)[1].split("'", 1)[0]
        target = url.rsplit("'", 2)[1]
        assert target.startswith(f"http://127.0.0.1:{port}/"), target
        assert requests.get(target, headers={"Authorization": f"Bearer {key}"}, timeout=10).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=15)
