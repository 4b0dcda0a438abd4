"""The OpenAPI document against the real binary: schemathesis generates requests from the document the
server serves (`GET /v1/openapi.json`) and checks every answer against it.

The run is bounded (25 examples per operation, well under three minutes on two cores). Credentials come
from the document's security schemes: an API key (scopes stream, ingest and read) for `ApiKey`, the
admin token for `AdminToken`. For the rest, this module is also schemathesis' hooks module (loaded in its
process through SCHEMATHESIS_HOOKS, see `_register_hooks`), which
- gives most `/sse/private` requests a freshly bought stream token, so that streams really open (their
  first event is read and checked, then the stream is closed);
- signs the control-stream requests with OAuth 1.0a and points most of them at a stream the test holds
  open, so that they reach their handlers.
`/1.1/site.json` itself is left unsigned: it answers 401, which must conform too.
"""
import importlib.metadata
import json
import os
import subprocess
import sys
import time
import zlib

import requests

from conftest import ADMIN, Sluice

SCHEMATHESIS_VERSION = "4.32.5"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"
HOOKS_ENV = "SLUICE_SCHEMATHESIS_HOOKS"
USERS = [7001, 7002, 7003]


def test_server_conforms_to_its_openapi_document(tmp_path):
    installed = importlib.metadata.version("schemathesis")
    assert installed == SCHEMATHESIS_VERSION, f"schemathesis {installed}: scripts/install-test-deps installs {SCHEMATHESIS_VERSION}"
    server = Sluice(tmp_path)
    base = server.base
    admin = {"Authorization": f"Bearer {ADMIN}"}
    site = None
    try:
        r = requests.get(f"{base}/v1/openapi.json", timeout=10)
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("application/json")
        document = r.json()
        assert document["openapi"].startswith("3.1")

        r = requests.post(f"{base}/v1/admin/keys", headers=admin, timeout=10, json={
            "name": "schemathesis", "scopes": ["stream", "ingest", "read"],
            # Every stream request may buy a token and open a stream: room for all of them.
            "limits": {"tokens_per_hour": 100000, "max_connections": 1000}})
        assert r.status_code == 201, r.text
        key = r.json()["key"]

        # A Site Streams app, public users who granted it access, and one open stream for the control requests.
        r = requests.post(f"{base}/v1/events", headers={"Authorization": f"Bearer {key}"}, timeout=10, json=[
            {"type": "user_update", "data": {"id": uid, "username": f"oa{uid}", "protected": False}} for uid in USERS
        ] + [{"type": "follow", "data": {"source_id": USERS[0], "target_id": USERS[1]}}])
        assert r.status_code == 200, r.text
        r = requests.post(f"{base}/v1/admin/apps", headers=admin, json={"name": "schemathesis"}, timeout=10)
        assert r.status_code == 201, r.text
        app = r.json()
        for uid in USERS:
            r = requests.post(f"{base}/v1/admin/apps/{app['id']}/grants", headers=admin, json={"user_id": uid}, timeout=10)
            assert r.status_code == 201, r.text
        site = requests.get(f"{base}/1.1/site.json", params={"follow": ",".join(map(str, USERS))}, auth=_oauth(app),
                            stream=True, timeout=10)
        assert site.status_code == 200, site.text
        # The iterator is kept: dropping it mid-stream would close the connection, and the stream with it.
        lines = site.iter_lines()
        control = next(json.loads(line)["control"]["control_uri"] for line in lines if line.strip())

        (tmp_path / "schemathesis.toml").write_text(f"""
[auth.openapi.ApiKey]
bearer = "{key}"

[auth.openapi.AdminToken]
bearer = "{ADMIN}"

# A stream that opened is checked on its first event (the `connected` status), then closed.
[[operations]]
include-path = "/sse/private"
max-stream-events = 1

# The admin figures' stream: one reading, then closed.
[[operations]]
include-path = "/v1/admin/stats/stream"
max-stream-events = 1
""")
        env = dict(os.environ)
        env.update({
            "SCHEMATHESIS_HOOKS": os.path.splitext(os.path.basename(__file__))[0],
            "PYTHONPATH": os.pathsep.join(filter(None, [os.path.dirname(os.path.abspath(__file__)), env.get("PYTHONPATH")])),
            HOOKS_ENV: json.dumps({"base": base, "key": key, "app": app, "stream_id": control.rsplit("/", 1)[-1], "users": USERS}),
        })
        # One worker: with two, hypothesis describes filter lambdas with `ast.parse` from two threads at
        # once, which CPython 3.11.7 does not survive ("AST constructor recursion depth mismatch").
        command = [
            sys.executable, "-m", "schemathesis.cli", "--config-file", str(tmp_path / "schemathesis.toml"), "--no-color", "run",
            f"{base}/v1/openapi.json", "--url", base, "--checks", CHECKS, "--max-examples", "25", "--workers", "1",
            "--request-timeout", "5", "--generation-database", "none", "--suppress-health-check", "too_slow,filter_too_much",
        ]
        started = time.monotonic()
        run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=170)
        print(run.stdout[-20000:], run.stderr[-5000:], f"schemathesis ran {time.monotonic() - started:.0f} s", sep="\n")
        assert "Operations:" in run.stdout and "API capabilities" in run.stdout, "schemathesis did not run"
        assert run.returncode == 0, "the server does not conform to its OpenAPI document: see the output above"
    finally:
        if site is not None:
            site.close()
        server.stop()


def _oauth(app):
    from requests_oauthlib import OAuth1
    return OAuth1(app["consumer_key"], app["consumer_secret"], app["access_token"], app["access_token_secret"])


def _most(value):
    """Whether to replace a generated value with a working one: for most values, deterministically, so
    that the generated ones (a wrong stream id, an unknown token) are still tried now and then."""
    return zlib.crc32(repr(value).encode()) % 4 != 0


def _register_hooks():
    """Runs in schemathesis' process: see the module's description."""
    import schemathesis

    setup = json.loads(os.environ[HOOKS_ENV])

    @schemathesis.hook
    def before_call(context, case, kwargs):
        path = case.operation.path
        if path == "/sse/private" and isinstance(case.query, dict) and _most(case.query.get("token")):
            r = requests.post(f"{setup['base']}/sse/token", headers={"Authorization": f"Bearer {setup['key']}"}, timeout=10)
            if r.status_code == 201:
                case.query["token"] = r.json()["token"]
        elif path.startswith("/1.1/site/c/"):
            if _most(case.path_parameters.get("stream_id")):
                case.path_parameters["stream_id"] = setup["stream_id"]
            if path.endswith("/friends/ids.json") and isinstance(case.query, dict) and _most(case.query.get("user_id")):
                case.query["user_id"] = setup["users"][0]
            kwargs["auth"] = _oauth(setup["app"])
        elif path.startswith("/v1/admin/apps/{id}/grants"):
            # The test's app and users, so that grants are made and revoked (users leave and rejoin the stream).
            if _most(case.path_parameters.get("id")):
                case.path_parameters["id"] = setup["app"]["id"]
            if "user_id" in case.path_parameters and _most(case.path_parameters["user_id"]):
                case.path_parameters["user_id"] = setup["users"][zlib.crc32(repr(case.path_parameters).encode()) % 3]
            if isinstance(case.body, dict) and _most(case.body.get("user_id")):
                case.body["user_id"] = setup["users"][zlib.crc32(repr(case.body).encode()) % 3]


if os.environ.get(HOOKS_ENV) and "schemathesis" in sys.modules:
    _register_hooks()
