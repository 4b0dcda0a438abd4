"""The operator console's pages in headless Chromium, against the real binary with live demo traffic.

Issue "The operator console": keys created in the form are listed, and revoking one ends its open
stream; an app's grants are granted and revoked from the page; the stream viewer builds the exact
`/sse/private` URL a client would use, and shows a matching tweet and not a non-matching one (with
pause and clear); the Connections page lists the open streams and closes one, whose client receives
the reason (`disconnected` status `closed_by_operator`, `disconnect` code 3); the log browser pages
through `GET /v1/events`. Data written by users (tweet text, display names, filters) renders as text
in every view: no script runs. Each page is saved as a screenshot (`SLUICE_SCREENSHOTS`).
"""
import json

import pytest
import requests
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException

from conftest import ADMIN, MessageReader, screenshot, sign_in, text, tweet, user, visible, wait_until

# Ids far above the demo's, so that the demo's own traffic never collides with them.
CAROL = user(9_000_001, "carol_console")
XSS_NAME = "<script>window.__xss = 'name'</script>"
XSS_TEXT = "<img src=x onerror=alert(1)>"


@pytest.fixture
def demo(start_server):
    return start_server("--demo", "--demo-rate", "20")


def open_console(browser, server, page):
    browser.get(f"{server.base}/console")
    wait_until(lambda: visible(browser, "sign-in"), what="the sign-in form")
    sign_in(browser, ADMIN)
    wait_until(lambda: visible(browser, "overview"), what="the overview after signing in")
    go(browser, page)


def go(browser, page):
    browser.find_element("css selector", f"#nav a[href='#{page}']").click()
    wait_until(lambda: visible(browser, page), what=f"the {page} page")


def rows(browser, table):
    return browser.find_elements("css selector", f"#{table} tbody tr")


def selector(table, **attributes):
    return f"#{table} tbody tr" + "".join(f"[data-{name}='{value}']" for name, value in attributes.items())


def row(browser, table, **attributes):
    found = browser.find_elements("css selector", selector(table, **attributes))
    return found[0] if found else None


def row_text(browser, table, **attributes):
    """The row's text, read in one step (tables that refresh themselves replace their rows)."""
    return browser.execute_script("const r = document.querySelector(arguments[0]); return r ? r.textContent : null", selector(table, **attributes))


def row_buttons(browser, table, **attributes):
    """How many buttons the row has (None without the row), read in one step like `row_text`."""
    return browser.execute_script(
        "const r = document.querySelector(arguments[0]); return r ? r.querySelectorAll('button').length : null", selector(table, **attributes))


def row_values(browser, table, attribute):
    return browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map((r) => r.getAttribute(arguments[1]))", f"#{table} tbody tr", f"data-{attribute}")


def click(browser, css):
    """Clicks the element, again if the page replaced it in between (a table refreshing itself)."""
    def clicked():
        try:
            browser.find_element("css selector", css).click()
            return True
        except StaleElementReferenceException:
            return False
    wait_until(clicked, what=f"a click on {css}")


def no_script_ran(browser):
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text
    assert browser.execute_script("return window.__xss === undefined"), "a script from the data ran"


def private_stream(server, key, query=""):
    response = requests.get(f"{server.base}/sse/private?token={server.token(key)}{query}", stream=True, timeout=(5, 60))
    reader = MessageReader(response, sse=True)
    reader.wait_for(lambda: any(i.get("data", {}).get("status") == "connected" for i in reader.items), "the connected status")
    return reader


def statuses(reader):
    return [item["data"] for item in reader.items if item.get("type") == "status"]


def test_a_key_created_in_the_form_is_listed_and_revoking_it_ends_its_stream(demo, browser, tmp_path):
    open_console(browser, demo, "keys")
    browser.find_element("id", "key-name").send_keys("made in the console")
    browser.find_element("css selector", "input[name=scope][value=read]").click()
    browser.find_element("id", "limit-tokens_per_hour").send_keys("20")
    browser.find_element("css selector", "#key-form button[type=submit]").click()
    wait_until(lambda: visible(browser, "key-secret"), what="the new key's secret")
    secret = text(browser, "key-secret-value")
    assert secret.startswith("sk_")
    wait_until(lambda: row(browser, "keys-table", name="made in the console") is not None, what="the key listed")
    listed = row_text(browser, "keys-table", name="made in the console")
    assert "read, stream" in listed and "tokens_per_hour 20" in listed
    # The secret is the key's: it buys a token and opens a stream.
    reader = private_stream(demo, secret)
    screenshot(browser, tmp_path, "keys")

    click(browser, selector("keys-table", name="made in the console") + " button.revoke-key")
    browser.switch_to.alert.accept()
    reader.wait_for(lambda: any(s.get("reason") == "key_revoked" for s in statuses(reader)), "the stream told its key was revoked")
    assert reader.ended.wait(10), "the stream ended"
    wait_until(lambda: row_buttons(browser, "keys-table", name="made in the console") == 0,
               what="the key shown revoked")
    assert requests.post(f"{demo.base}/sse/token", headers={"Authorization": f"Bearer {secret}"}, timeout=10).status_code == 401


def test_an_apps_grants_are_granted_and_revoked_from_the_page(demo, browser, tmp_path):
    key = demo.create_key()
    demo.publish(key, [CAROL])
    open_console(browser, demo, "apps")
    browser.find_element("id", "app-name").send_keys("console app")
    browser.find_element("css selector", "#app-form button[type=submit]").click()
    wait_until(lambda: visible(browser, "app-secret"), what="the new app's credentials")
    credentials = dict(line.split(None, 1) for line in text(browser, "app-secret-value").splitlines())
    assert set(credentials) == {"consumer_key", "consumer_secret", "access_token", "access_token_secret"}
    wait_until(lambda: row(browser, "apps-table", name="console app") is not None, what="the app listed")
    app_id = browser.execute_script("return document.querySelector(arguments[0]).getAttribute('data-id')", selector("apps-table", name="console app"))
    click(browser, selector("apps-table", name="console app") + " button.show-grants")
    wait_until(lambda: visible(browser, "grants"), what="the app's grants")

    browser.find_element("id", "grant-user").send_keys(str(CAROL["data"]["id"]))
    browser.find_element("css selector", "#grant-form button[type=submit]").click()
    wait_until(lambda: row(browser, "grants-table", user=CAROL["data"]["id"]) is not None, what="the grant listed")
    assert demo.admin("GET", f"/v1/admin/apps/{app_id}/grants")["user_ids"] == [CAROL["data"]["id"]]
    screenshot(browser, tmp_path, "apps")

    # The grant is real: the app's Site Streams connection carries Carol until the page revokes it.
    from requests_oauthlib import OAuth1
    auth = OAuth1(credentials["consumer_key"], credentials["consumer_secret"], credentials["access_token"], credentials["access_token_secret"])
    response = requests.get(f"{demo.base}/1.1/site.json?follow={CAROL['data']['id']}", auth=auth, stream=True, timeout=(5, 60))
    site = MessageReader(response, sse=False)
    site.wait_for(lambda: any("friends" in item.get("message", {}) for item in site.items), "Carol's stream")
    click(browser, selector("grants-table", user=CAROL["data"]["id"]) + " button.revoke-grant")
    wait_until(lambda: row(browser, "grants-table", user=CAROL["data"]["id"]) is None, what="the grant gone from the page")
    assert demo.admin("GET", f"/v1/admin/apps/{app_id}/grants")["user_ids"] == []
    site.wait_for(lambda: any(item.get("message", {}).get("event") == "access_revoked" for item in site.items), "access_revoked for Carol")
    site.close()


def test_the_viewer_builds_the_url_and_shows_matching_tweets_only(demo, browser, tmp_path):
    key = demo.create_key()
    demo.publish(key, [CAROL])
    open_console(browser, demo, "viewer")
    wait_until(lambda: browser.find_elements("css selector", "#viewer-key option"), what="the keys to choose from")
    key_id = next(k["id"] for k in demo.admin("GET", "/v1/admin/keys")["keys"] if k["name"] == "interop")
    browser.find_element("css selector", f"#viewer-key option[value='{key_id}']").click()
    browser.find_element("id", "filter-keywords").send_keys("zebracorn, #quagga")
    browser.find_element("id", "filter-min_followers").send_keys("10")
    expected = f"{demo.base}/sse/private?token=TOKEN&keywords=zebracorn,%23quagga&min_followers=10"
    wait_until(lambda: text(browser, "viewer-url") == expected, what="the URL a client would use",
               detail=lambda: text(browser, "viewer-url"))
    browser.find_element("id", "viewer-start").click()
    wait_until(lambda: text(browser, "viewer-status") == "Streaming.", what="the viewer's stream", detail=lambda: text(browser, "viewer-status"))
    assert text(browser, "viewer-url").startswith(f"{demo.base}/sse/private?token=st_")

    demo.publish(key, [tweet(9_100_001, "a plain okapi", CAROL), tweet(9_100_002, "a zebracorn appears", CAROL)])
    wait_until(lambda: "zebracorn appears" in text(browser, "viewer-events"), what="the matching tweet")
    assert "okapi" not in text(browser, "viewer-events"), "the tweet the filter rejects is not shown (it was published first)"
    browser.find_element("css selector", "#viewer-events li[data-kind=tweet]").click()
    assert json.loads(text(browser, "viewer-json"))["data"]["id"] == "9100002"

    # Pause holds what arrives; resume shows it.
    browser.find_element("id", "viewer-pause").click()
    demo.publish(key, [tweet(9_100_003, "another zebracorn", CAROL)])
    wait_until(lambda: "1 held" in text(browser, "viewer-status"), what="the event held while paused", detail=lambda: text(browser, "viewer-status"))
    assert "another zebracorn" not in text(browser, "viewer-events")
    browser.find_element("id", "viewer-pause").click()
    wait_until(lambda: "another zebracorn" in text(browser, "viewer-events"), what="the held event shown on resuming")
    screenshot(browser, tmp_path, "viewer")
    browser.find_element("id", "viewer-clear").click()
    assert rows(browser, "viewer-events") == [] and not browser.find_elements("css selector", "#viewer-events li")
    browser.find_element("id", "viewer-stop").click()


def test_the_connections_page_lists_streams_and_closes_one_with_its_reason(demo, browser, tmp_path):
    key = demo.create_key()
    demo.publish(key, [CAROL])
    reader = private_stream(demo, key, "&keywords=console")
    auth = demo.app_auth([CAROL["data"]["id"]])
    response = requests.get(f"{demo.base}/1.1/site.json?follow={CAROL['data']['id']}", auth=auth, stream=True, timeout=(5, 60))
    site = MessageReader(response, sse=False)
    site.wait_for(lambda: any("control" in item for item in site.items), "the control URI")
    site_id = next(item["control"]["control_uri"] for item in site.items if "control" in item).rsplit("/", 1)[1]

    open_console(browser, demo, "connections")
    wait_until(lambda: len(row_values(browser, "connections-table", "id")) == 2, what="both streams listed",
               detail=lambda: text(browser, "connections-table"))
    assert '"keywords":["console"]' in row_text(browser, "connections-table", api="private_sse")
    assert "1 users" in row_text(browser, "connections-table", id=site_id)
    screenshot(browser, tmp_path, "connections")

    click(browser, selector("connections-table", api="private_sse") + " button.close-connection")
    reader.wait_for(lambda: any(s.get("reason") == "closed_by_operator" and s.get("status") == "disconnected" for s in statuses(reader)),
                    "the disconnected status")
    assert reader.ended.wait(10), "the stream ended"
    click(browser, selector("connections-table", id=site_id) + " button.close-connection")
    site.wait_for(lambda: any(item.get("disconnect", {}).get("code") == 3 for item in site.items), "the disconnect message, code 3")
    assert site.ended.wait(10), "the connection ended"
    wait_until(lambda: row_values(browser, "connections-table", "id") == [], what="the list emptied")


def test_the_log_browser_pages_through_the_log(server, browser, tmp_path):
    key = server.create_key()
    server.publish(key, [CAROL] + [tweet(9_200_000 + i, f"log {i}", CAROL) for i in range(119)])
    open_console(browser, server, "log")

    def seqs():
        return [int(seq) for seq in row_values(browser, "log-table", "seq")]

    wait_until(lambda: seqs() == list(range(1, 51)), what="the first page", detail=lambda: str(seqs()[:3]))
    browser.find_element("id", "log-next").click()
    wait_until(lambda: seqs() == list(range(51, 101)), what="the second page", detail=lambda: str(seqs()[:3]))
    browser.find_element("id", "log-next").click()
    wait_until(lambda: seqs() == list(range(101, 121)), what="the last page", detail=lambda: str(seqs()[:3]))
    browser.find_element("id", "log-previous").click()
    wait_until(lambda: seqs() == list(range(51, 101)), what="back to the second page", detail=lambda: str(seqs()[:3]))
    browser.find_element("id", "log-latest").click()
    wait_until(lambda: seqs() == list(range(71, 121)), what="the latest events", detail=lambda: str(seqs()[:3]))
    click(browser, selector("log-table", seq=120))
    shown = json.loads(text(browser, "log-json"))
    assert shown["seq"] == 120 and shown["data"]["text"] == "log 118"
    screenshot(browser, tmp_path, "log")


def test_data_with_markup_renders_as_text_in_every_view(demo, browser, tmp_path):
    key = demo.create_key()
    author = user(9_300_001, "markup_author")
    author["data"]["name"] = XSS_NAME
    demo.publish(key, [author])
    # A stream whose filter holds markup, for the Connections page.
    reader = private_stream(demo, key, "&keywords=%3Cb%3Ebold%3C%2Fb%3E")

    open_console(browser, demo, "viewer")
    wait_until(lambda: browser.find_elements("css selector", "#viewer-key option"), what="the keys to choose from")
    browser.find_element("id", "filter-users").send_keys("markup_author")
    browser.find_element("id", "viewer-start").click()
    wait_until(lambda: text(browser, "viewer-status") == "Streaming.", what="the viewer's stream", detail=lambda: text(browser, "viewer-status"))
    published = demo.publish(key, [author, tweet(9_300_002, XSS_TEXT, author)])
    wait_until(lambda: XSS_TEXT in text(browser, "viewer-events"), what="the tweet's text, as text")
    wait_until(lambda: XSS_NAME in text(browser, "viewer-events"), what="the profile's name, as text")
    assert not browser.find_elements("css selector", "#viewer-events img, #viewer-events script")
    browser.find_element("css selector", "#viewer-events li[data-kind=tweet]").click()
    assert XSS_TEXT in text(browser, "viewer-json")
    no_script_ran(browser)
    screenshot(browser, tmp_path, "markup-viewer")

    go(browser, "log")
    browser.find_element("id", "log-after").send_keys(str(published["first_seq"]))
    browser.find_element("css selector", "#log-goto button[type=submit]").click()
    wait_until(lambda: XSS_TEXT in text(browser, "log-table"), what="the tweet in the log browser")
    assert not browser.find_elements("css selector", "#log-table img, #log-table script")
    no_script_ran(browser)

    go(browser, "connections")
    wait_until(lambda: "<b>bold</b>" in text(browser, "connections-table"), what="the filter, as text")
    assert not browser.find_elements("css selector", "#connections-table b")
    no_script_ran(browser)
    reader.close()


def test_ids_above_2_53_stay_exact_in_the_pages(server, browser, tmp_path):
    """A browser's numbers round integers above 2^53: 9007199254740993 reads as …992. The pages use the
    ids' string forms, so revoking one user's grant never touches another's."""
    big, neighbour = 9007199254740993, 9007199254740992
    key = server.create_key()
    server.publish(key, [user(big, "big_one"), user(neighbour, "big_two")])
    app = server.admin("POST", "/v1/admin/apps", {"name": "big ids"})
    for uid in (big, neighbour):
        server.admin("POST", f"/v1/admin/apps/{app['id']}/grants", {"user_id": str(uid)})
    open_console(browser, server, "apps")
    wait_until(lambda: row(browser, "apps-table", id=app["id"]) is not None, what="the app listed")
    click(browser, selector("apps-table", id=app["id"]) + " button.show-grants")
    wait_until(lambda: row_values(browser, "grants-table", "user") == [str(neighbour), str(big)], what="both grants, exact",
               detail=lambda: str(row_values(browser, "grants-table", "user")))
    assert str(big) in text(browser, "grants-table")
    click(browser, selector("grants-table", user=big) + " button.revoke-grant")
    wait_until(lambda: row_values(browser, "grants-table", "user") == [str(neighbour)], what="only the big one revoked")
    assert server.admin("GET", f"/v1/admin/apps/{app['id']}/grants")["user_ids"] == [neighbour]

    # The log shows the id as stored.
    go(browser, "log")
    wait_until(lambda: "big_one" in text(browser, "log-table"), what="the profiles in the log")
    click(browser, selector("log-table", seq=1))
    assert f'"id": {big}' in text(browser, "log-json"), text(browser, "log-json")
