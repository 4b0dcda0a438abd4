"""The operator console in headless Chromium (Selenium, with Debian's chromium-driver), against the real
binary.

Issue "The operator console": `/` leads to `/console`; sign-in with the admin token, kept in the tab's
session storage and sent as a `Bearer` header, never in a URL; without an admin token configured the
console says so and shows nothing else; a wrong token shows only the sign-in, and the data endpoints
answer 401; the overview's figures are live (at least once a second) and move after a publish; a strict
Content-Security-Policy. Screenshots of each state are saved (`SLUICE_SCREENSHOTS`, or the test's
directory).
"""
import json
import os
import subprocess

import requests

from conftest import ADMIN, LISTENING, screenshot, sign_in, sluice_binary, text, tweet, user, visible, wait_until

ALICE = user(1, "alice")


def test_the_console_signs_in_and_its_overview_follows_the_server_live(server, browser, tmp_path):
    r = requests.get(f"{server.base}/", allow_redirects=False, timeout=10)
    assert r.status_code == 302 and r.headers["Location"] == "/console"
    page = requests.get(f"{server.base}/console", timeout=10)
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "<script>" not in page.text, "no inline script"

    browser.get(f"{server.base}/")
    wait_until(lambda: visible(browser, "sign-in"), what="the sign-in form")
    assert not visible(browser, "overview")
    screenshot(browser, tmp_path, "sign-in")

    sign_in(browser, ADMIN)
    wait_until(lambda: visible(browser, "overview") and text(browser, "log-position") != "–", what="the overview's first reading")
    assert ADMIN not in browser.current_url
    assert browser.execute_script("return sessionStorage.getItem('sluice.adminToken')") == ADMIN
    # The figures are this server's: its log position and ingest count move after a publish.
    key = server.create_key()
    server.publish(key, [ALICE] + [tweet(100 + i, f"console {i}", ALICE) for i in range(9)])
    wait_until(lambda: text(browser, "log-position") == "10" and text(browser, "ingested") == "10",
               what="the published events in the overview", detail=lambda: f"log {text(browser, 'log-position')}")
    # Live: a stream opened now is counted within seconds.
    token = requests.post(f"{server.base}/sse/token", headers={"Authorization": f"Bearer {key}"}, timeout=10).json()["token"]
    stream = requests.get(f"{server.base}/sse/private?token={token}", stream=True, timeout=30)
    try:
        wait_until(lambda: text(browser, "private-streams") == "1", timeout=10, what="the open stream counted")
        # The charts are the server's SVG drawings, fetched with the token and shown as images.
        for chart in ("throughput", "streams", "lag", "outbox"):
            wait_until(lambda: browser.execute_script(
                f"const i = document.getElementById('chart-{chart}'); return i.src.startsWith('blob:') && i.complete && i.naturalWidth > 0"),
                what=f"the {chart} chart drawn")
        screenshot(browser, tmp_path, "overview")
    finally:
        stream.close()

    # Signing out forgets the token.
    browser.find_element("id", "sign-out").click()
    wait_until(lambda: visible(browser, "sign-in"), what="the sign-in after signing out")
    assert browser.execute_script("return sessionStorage.getItem('sluice.adminToken')") is None


def test_a_wrong_token_shows_only_the_sign_in_and_the_data_endpoints_refuse_it(server, browser, tmp_path):
    for path in ("/v1/admin/stats", "/v1/admin/stats/stream"):
        assert requests.get(f"{server.base}{path}", timeout=10).status_code == 401
        refused = requests.get(f"{server.base}{path}", headers={"Authorization": "Bearer wrong"}, timeout=10)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    browser.get(f"{server.base}/console")
    wait_until(lambda: visible(browser, "sign-in"), what="the sign-in form")
    sign_in(browser, "wrong")
    wait_until(lambda: "refused" in text(browser, "sign-in-error"), what="the refusal")
    assert not visible(browser, "overview")
    assert text(browser, "log-position") == "–", "no figure reached the page"
    screenshot(browser, tmp_path, "refused")


def test_without_an_admin_token_the_console_says_so_and_shows_nothing_else(browser, tmp_path):
    # `Sluice` always configures an admin token: this server is started without one.
    proc = subprocess.Popen([sluice_binary(), "serve", "--port", "0", "--store", f"sqlite:{tmp_path}/bare.db", "--log-level", "warning"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={k: v for k, v in os.environ.items() if k != "SLUICE_ADMIN_TOKEN"})
    try:
        port = None
        for line in proc.stdout:
            if match := LISTENING["port"].search(line):
                port = int(match.group(1))
                break
        assert port, "sluice did not start"
        base = f"http://127.0.0.1:{port}"
        assert requests.get(f"{base}/v1/admin/stats", timeout=10).json()["error"]["code"] == "admin_disabled"
        browser.get(f"{base}/console")
        wait_until(lambda: visible(browser, "disabled"), what="the notice that the admin API is off")
        assert not visible(browser, "sign-in") and not visible(browser, "overview")
        screenshot(browser, tmp_path, "disabled")
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_the_figures_stream_sends_readings_and_ends_with_a_graceful_shutdown(start_server):
    server = start_server()
    response = requests.get(f"{server.base}/v1/admin/stats/stream", headers={"Authorization": f"Bearer {ADMIN}"}, stream=True, timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/event-stream")
    readings = []
    lines = response.iter_lines()
    for line in lines:
        if line.startswith(b"data:"):
            readings.append(line)
        if len(readings) == 2:
            break
    first, second = (json.loads(reading[5:]) for reading in readings)
    assert set(first) == {"node", "at", "series", "nodes"} and "sluice_log_position" in first["series"]
    # The same figures as /metrics.
    assert first["series"]["sluice_log_position"] == server.metrics()["sluice_log_position"]
    # One node, by its name, with its headline figures (taken once a second).
    assert [node["node"] for node in second["nodes"]] == [second["node"]]
    assert second["nodes"][0]["log_position"] == second["series"]["sluice_log_position"]
    server.proc.terminate()
    rest = b"".join(lines)  # the stream ends: the iterator stops
    assert server.proc.wait(timeout=15) == 0, rest[-200:]
