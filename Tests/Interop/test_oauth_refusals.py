"""Site Streams' OAuth 1.0a refusals over real HTTP, signed by implementations independent of Sluice's.

README: `/1.1/site.json` is "signed with OAuth 1.0a (HMAC-SHA1) by the app's consumer secret and its
owner's access token secret — the `oauth_*` parameters in the `Authorization` header, the query or a form
body; timestamps within 5 minutes, each nonce once. Any other credential is `401`", and the table of
errors gives `401 unauthorized` for "a Site Streams or control request whose OAuth signature, timestamp or
nonce does not verify". RFC 5849 adds: every protocol parameter appears at most once (§3.1), the
timestamp is a positive integer (§3.3), and parameters are UTF-8, percent-encoded (§3.6).

Requests are signed by oauthlib (what requests-oauthlib uses) where it can express the case, and
otherwise by `rfc5849_signature` below, written from RFC 5849 §3.4 and checked against oauthlib. They
are sent on raw sockets, so that what goes on the wire (duplicates, undecodable escapes) is exactly
what the case needs. After every refusal, a correct request still opens the stream.

Delivery of a tweet to a stream signed by requests-oauthlib is covered by
test_site_streams_clients.py (TwitterAPI over TLS), so it is not repeated here.
"""
import base64
import hashlib
import hmac
import secrets
import time
import urllib.parse

import pytest
from oauthlib import oauth1

from conftest import Sluice, user
from rawhttp import DEADLINE, Response, exchange, parse

WINDOW = 300  # README: timestamps within 5 minutes (SLUICE_OAUTH_WINDOW_SECONDS)


# MARK: - The server

class Site(Sluice):
    """The server, with `app` (granted by user 1, whose owner signs the requests) and `other`, another app."""

    @property
    def url(self):
        return f"{self.base}/1.1/site.json"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    # Every case ends with a successful connect: lift the 25 connects per second so that the module's
    # pace never meets 420 (its own test is elsewhere).
    s = Site(tmp_path_factory.mktemp("oauth"), env={"SLUICE_SITE_STREAMS_CONNECTS_PER_SECOND": "100000"})
    try:
        s.publish(s.create_key(scopes=("ingest",)), [user(1, "alice"), user(2, "bob")])
        s.app = s.admin("POST", "/v1/admin/apps", {"name": "oauth-refusals"})
        s.other = s.admin("POST", "/v1/admin/apps", {"name": "another-app"})
        s.admin("POST", f"/v1/admin/apps/{s.app['id']}/grants", {"user_id": 1})
        yield s
    finally:
        s.stop()


# MARK: - Signing

def pct(value):
    """RFC 5849 §3.6: UTF-8 (bytes are taken as they are), then every octet but ALPHA / DIGIT / - . _ ~."""
    return urllib.parse.quote(value if isinstance(value, bytes) else value.encode("utf-8"), safe=b"-._~")


def rfc5849_signature(method, base_uri, params, consumer_secret, token_secret):
    """HMAC-SHA1 of the signature base string (RFC 5849 §3.4.1–§3.4.2), from decoded parameters."""
    pairs = sorted((pct(name), pct(value)) for name, value in params if name not in ("oauth_signature", "realm"))
    normalized = "&".join(f"{name}={value}" for name, value in pairs)
    base = "&".join([method.upper(), pct(base_uri), pct(normalized)])
    key = f"{pct(consumer_secret)}&{pct(token_secret)}".encode()
    return base64.b64encode(hmac.new(key, base.encode("ascii"), hashlib.sha1).digest()).decode()


def protocol(app, **changes):
    """The OAuth protocol parameters of a fresh request by `app`'s owner; `None` leaves one out."""
    params = {"oauth_consumer_key": app["consumer_key"], "oauth_token": app["access_token"],
              "oauth_signature_method": "HMAC-SHA1", "oauth_timestamp": str(int(time.time())),
              "oauth_nonce": secrets.token_hex(12), "oauth_version": "1.0"}
    params.update(changes)
    return [(name, value) for name, value in params.items() if value is not None]


def http(method, target, port, headers=(), body=b""):
    lines = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{port}", *headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def hand_signed(site, header=(), query=(), raw_query=None, signed=None, consumer_secret=None, token_secret=None,
                signature=None, url=None, method="GET"):
    """A request whose Authorization header carries `header` and whose query is `query` (decoded pairs,
    encoded per RFC 5849 unless `raw_query` gives the exact bytes to send), signed over `signed` (by
    default, header + query) with the app's secrets unless others are given."""
    app = site.app
    params = list(signed) if signed is not None else list(header) + list(query)
    sig = signature or rfc5849_signature(method, url or site.url, params, consumer_secret or app["consumer_secret"],
                                         token_secret or app["access_token_secret"])
    auth = ", ".join(f'{pct(n)}="{pct(v)}"' for n, v in list(header) + [("oauth_signature", sig)])
    q = raw_query if raw_query is not None else "&".join(f"{pct(n)}={pct(v)}" for n, v in query)
    return http(method, f"/1.1/site.json?{q}", site.port, [f"Authorization: OAuth {auth}"])


def oauthlib_signed(site, query="follow=1", placement="header", app=None, nonce=None, timestamp=None,
                    signature_method=oauth1.SIGNATURE_HMAC_SHA1, consumer_key=None, consumer_secret=None,
                    token=None, token_secret=None):
    """A request signed by oauthlib, with the oauth parameters where `placement` says."""
    app = app or site.app
    client = oauth1.Client(
        consumer_key or app["consumer_key"], consumer_secret or app["consumer_secret"], token or app["access_token"],
        token_secret or app["access_token_secret"], signature_method=signature_method,
        signature_type={"header": oauth1.SIGNATURE_TYPE_AUTH_HEADER, "query": oauth1.SIGNATURE_TYPE_QUERY,
                        "form": oauth1.SIGNATURE_TYPE_BODY}[placement],
        nonce=nonce, timestamp=timestamp)
    if placement == "form":
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        _, headers, body = client.sign(site.url, http_method="POST", body=query, headers=form)
        return http("POST", "/1.1/site.json", site.port, [f"{k}: {v}" for k, v in headers.items()], body.encode())
    uri, headers, _ = client.sign(f"{site.url}?{query}")
    target = uri[len(site.base):]
    return http("GET", target, site.port, [f"{k}: {v}" for k, v in headers.items()])


# MARK: - Sending

# The start of a stream's first user's friends preamble: the stream opened.
PREAMBLE = b'"for_user":1,"message":{"friends"'


def send(site, data):
    """Sends a request; returns its answer: an error read until the server closes the connection
    (`closed` says whether it did within the deadline), or a stream read until its first user's friends
    preamble."""
    received, closed = exchange(site.port, data, until=lambda d: d.startswith(b"HTTP/1.1 200 ") and PREAMBLE in d)
    answers = parse(received)
    answer = answers[0] if answers else Response(None, {}, received, None)
    answer.closed = closed
    return answer


def assert_opens(site, data=None):
    """The request (by default a fresh one signed by oauthlib) opens the stream: 200, the control message,
    the granted user's preamble."""
    answer = send(site, data or oauthlib_signed(site))
    assert answer.status == 200, answer
    assert b'{"control":{"control_uri":"/1.1/site/c/' in answer.body, answer
    assert site.proc.poll() is None


def assert_unauthorized(site, data):
    answer = send(site, data)
    assert (answer.status, answer.code) == (401, "unauthorized"), answer
    assert answer.closed, f"the refusal did not close the connection within {DEADLINE}s"
    return answer


# MARK: - Refusals

def now():
    return int(time.time())


REFUSALS = {
    # RFC 5849 §3.1: "Each parameter MUST NOT appear more than once per request."
    "oauth_nonce in the header and the query":
        lambda s: hand_signed(s, header=protocol(s.app), query=[("follow", "1"), ("oauth_nonce", "second")]),
    "oauth_nonce twice in the query":
        lambda s: hand_signed(s, query=[("follow", "1"), *protocol(s.app), ("oauth_nonce", "second")]),
    "oauth_timestamp twice":
        lambda s: hand_signed(s, header=protocol(s.app), query=[("follow", "1"), ("oauth_timestamp", str(now()))]),
    "oauth_signature_method twice (HMAC-SHA1, PLAINTEXT)":
        lambda s: hand_signed(s, header=protocol(s.app), query=[("follow", "1"), ("oauth_signature_method", "PLAINTEXT")]),
    "oauth_version twice (1.0, 2.0)":
        lambda s: hand_signed(s, header=protocol(s.app), query=[("follow", "1"), ("oauth_version", "2.0")]),
    "oauth_version twice (1.0, 1.0)":
        lambda s: hand_signed(s, header=protocol(s.app), query=[("follow", "1"), ("oauth_version", "1.0")]),
    # README: HMAC-SHA1 only.
    "PLAINTEXT (oauthlib)": lambda s: oauthlib_signed(s, signature_method=oauth1.SIGNATURE_PLAINTEXT),
    "HMAC-SHA256 (oauthlib)": lambda s: oauthlib_signed(s, signature_method=oauth1.SIGNATURE_HMAC_SHA256),
    "RSA-SHA1 named, HMAC-SHA1 computed":
        lambda s: hand_signed(s, header=protocol(s.app, oauth_signature_method="RSA-SHA1"), query=[("follow", "1")]),
    # RFC 5849 §3.1: oauth_version, if present, MUST be 1.0.
    "oauth_version 2.0": lambda s: hand_signed(s, header=protocol(s.app, oauth_version="2.0"), query=[("follow", "1")]),
    "oauth_version empty": lambda s: hand_signed(s, header=protocol(s.app, oauth_version=""), query=[("follow", "1")]),
    # RFC 5849 §3.3: a positive integer of seconds; README: within 5 minutes.
    "timestamp not a number (oauthlib)": lambda s: oauthlib_signed(s, timestamp="yesterday"),
    "timestamp in hexadecimal":
        lambda s: hand_signed(s, header=protocol(s.app, oauth_timestamp=hex(now())), query=[("follow", "1")]),
    "timestamp with a fraction":
        lambda s: hand_signed(s, header=protocol(s.app, oauth_timestamp=f"{now()}.25"), query=[("follow", "1")]),
    "timestamp in exponent notation":
        lambda s: hand_signed(s, header=protocol(s.app, oauth_timestamp=f"{now()}e0"), query=[("follow", "1")]),
    "timestamp a day ahead (oauthlib)": lambda s: oauthlib_signed(s, timestamp=str(now() + 86_400)),
    "timestamp a day behind (oauthlib)": lambda s: oauthlib_signed(s, timestamp=str(now() - 86_400)),
    "timestamp just past the window ahead (oauthlib)": lambda s: oauthlib_signed(s, timestamp=str(now() + 2 * WINDOW)),
    "timestamp just past the window behind (oauthlib)": lambda s: oauthlib_signed(s, timestamp=str(now() - 2 * WINDOW)),
    "timestamp zero (oauthlib)": lambda s: oauthlib_signed(s, timestamp="0"),
    # Who signs.
    "unknown consumer key (oauthlib)": lambda s: oauthlib_signed(s, consumer_key="no-such-consumer-key"),
    "another app's owner token and secret (oauthlib)":
        lambda s: oauthlib_signed(s, token=s.other["access_token"], token_secret=s.other["access_token_secret"]),
    "another app's consumer secret for this key (oauthlib)":
        lambda s: oauthlib_signed(s, consumer_secret=s.other["consumer_secret"]),
    "the owner token with a wrong token secret (oauthlib)": lambda s: oauthlib_signed(s, token_secret="wrong"),
    "a wrong consumer secret (oauthlib)": lambda s: oauthlib_signed(s, consumer_secret="wrong"),
    # What is signed.
    "a signature altered by one character": lambda s: altered_signature(s),
    "a signature for another port":
        lambda s: hand_signed(s, header=protocol(s.app), query=[("follow", "1")], url=f"http://127.0.0.1:{s.port + 1}/1.1/site.json"),
    "a signature for POST sent with GET":
        lambda s: hand_signed(s, header=protocol(s.app), query=[("follow", "1")], method="POST").replace(b"POST ", b"GET ", 1),
    "follow changed after signing":
        lambda s: hand_signed(s, header=(p := protocol(s.app)), query=[("follow", "1,2")], signed=p + [("follow", "1")]),
    "no oauth_signature":
        lambda s: http("GET", "/1.1/site.json?follow=1", s.port,
                       ["Authorization: OAuth " + ", ".join(f'{n}="{pct(v)}"' for n, v in protocol(s.app))]),
    # RFC 5849 §3.6: UTF-8, percent-encoded.
    "a non-ASCII nonce signed as Latin-1":
        lambda s: hand_signed(s, header=(p := protocol(s.app, oauth_nonce="café-" + secrets.token_hex(4))), query=[("follow", "1")],
                              signed=[(n, v.encode("latin-1") if n == "oauth_nonce" else v) for n, v in p] + [("follow", "1")]),
    "an undecodable nonce (%E9) in the query, signed as the literal text":
        lambda s: undecodable_nonce(s, "caf%E9-"),
    "an undecodable nonce (%ZZ) in the query, signed as the literal text":
        lambda s: undecodable_nonce(s, "bad%ZZ-"),
    "an undecodable nonce (%E9) in the Authorization header":
        lambda s: undecodable_header_nonce(s),
}


def altered_signature(site):
    """The right signature with its first character changed."""
    p = protocol(site.app)
    right = rfc5849_signature("GET", site.url, p + [("follow", "1")], site.app["consumer_secret"], site.app["access_token_secret"])
    return hand_signed(site, header=p, query=[("follow", "1")], signature=("B" if right[0] == "A" else "A") + right[1:])


def undecodable_nonce(site, prefix):
    """`oauth_nonce=<prefix><hex>` sent as is: `%E9` is not UTF-8 and `%ZZ` is no escape at all, so
    the value cannot be decoded. Signed as if the undecodable text were the value — which is what a
    server that keeps undecodable text as it is verifies, making `x=%ZZ` and `x=%25ZZ` the same request."""
    nonce = prefix + secrets.token_hex(6)
    p = protocol(site.app, oauth_nonce=None)
    return hand_signed(site, header=p, raw_query=f"follow=1&oauth_nonce={nonce}",
                       signed=p + [("follow", "1"), ("oauth_nonce", nonce)])


def undecodable_header_nonce(site):
    p = protocol(site.app, oauth_nonce=None)
    nonce = "caf%E9-" + secrets.token_hex(6)
    sig = rfc5849_signature("GET", site.url, p + [("follow", "1"), ("oauth_nonce", nonce)], site.app["consumer_secret"],
                            site.app["access_token_secret"])
    auth = ", ".join([f'{n}="{pct(v)}"' for n, v in p] + [f'oauth_nonce="{nonce}"', f'oauth_signature="{pct(sig)}"'])
    return http("GET", "/1.1/site.json?follow=1", site.port, [f"Authorization: OAuth {auth}"])


# A query value that cannot be decoded is also a malformed request: 400 says so as well as 401 does.
UNDECODABLE = {name for name in REFUSALS if name.startswith("an undecodable nonce") and "query" in name}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_a_request_that_does_not_verify_is_401_and_a_correct_one_still_opens(site, case):
    """Each way a Site Streams request can fail OAuth: `401 unauthorized` in the JSON error shape, the
    connection closed; then a correctly signed request opens the stream (the refusal left no state that
    locks the app out, and the server still serves)."""
    if case in UNDECODABLE:
        answer = send(site, REFUSALS[case](site))
        assert (answer.status, answer.code) in {(401, "unauthorized"), (400, "bad_request"), (400, "invalid_parameter")}, answer
        assert answer.closed
    else:
        assert_unauthorized(site, REFUSALS[case](site))
    assert_opens(site)


def test_a_nonce_is_good_once(site):
    """README: "each nonce once". The same nonce again, with the same or another timestamp, is refused;
    a fresh one is not."""
    nonce, stamp = "once-" + secrets.token_hex(8), now()
    assert_opens(site, oauthlib_signed(site, nonce=nonce, timestamp=str(stamp)))
    assert_unauthorized(site, oauthlib_signed(site, nonce=nonce, timestamp=str(stamp)))
    assert_unauthorized(site, oauthlib_signed(site, nonce=nonce, timestamp=str(stamp - 1)))
    assert_unauthorized(site, oauthlib_signed(site, nonce=nonce, timestamp=str(stamp), placement="query"))
    assert_opens(site)


@pytest.mark.parametrize("offset", [-(WINDOW // 2), WINDOW // 2], ids=["behind", "ahead"])
def test_a_timestamp_inside_the_window_is_accepted(site, offset):
    """The other side of the window: a clock 2.5 minutes off either way is within "5 minutes"."""
    assert_opens(site, oauthlib_signed(site, timestamp=str(now() + offset)))


def test_the_hand_signer_agrees_with_oauthlib(site):
    """The refusals above signed by hand are refused for the reason they name, not because the hand
    signer is wrong: for the same request it computes oauthlib's signature, and the server accepts it."""
    params = protocol(site.app, oauth_nonce="agree-é-" + secrets.token_hex(6))
    fields = dict(params)
    client = oauth1.Client(site.app["consumer_key"], site.app["consumer_secret"], site.app["access_token"],
                           site.app["access_token_secret"], nonce=fields["oauth_nonce"], timestamp=fields["oauth_timestamp"])
    _, headers, _ = client.sign(f"{site.url}?follow=1")
    theirs = urllib.parse.unquote(headers["Authorization"].split('oauth_signature="')[1].split('"')[0])
    ours = rfc5849_signature("GET", site.url, params + [("follow", "1")], site.app["consumer_secret"], site.app["access_token_secret"])
    assert ours == theirs
    assert_opens(site, hand_signed(site, header=params, query=[("follow", "1")]))


@pytest.mark.parametrize("placement", ["header", "query", "form"])
def test_a_well_signed_non_ascii_nonce_is_accepted_wherever_it_comes(site, placement):
    """RFC 5849 §3.6: values are UTF-8 before encoding; a nonce is any string. Signed by oauthlib with
    the oauth parameters in the header, the query or a form body (README: all three are taken), a nonce
    with accents and CJK characters opens the stream — so the server decodes and re-encodes non-ASCII
    exactly as the RFC does (its Latin-1 twin is refused above)."""
    nonce = "nonce-é-日本-" + secrets.token_hex(6)
    assert_opens(site, oauthlib_signed(site, placement=placement, nonce=nonce))


WELL_SIGNED_BUT_UNTAKEN = [
    ("follow=1&x=%C3%A9", 400, "unknown_parameter"),
    ("follow=1&with=%C3%A9", 400, "invalid_parameter"),
    ("follow=1&oauth_callback=oob", 400, "unknown_parameter"),
    ("follow=1&track=%C3%A9t%C3%A9", 406, "not_acceptable"),
]


@pytest.mark.parametrize("query,status,code", WELL_SIGNED_BUT_UNTAKEN, ids=[q for q, _, _ in WELL_SIGNED_BUT_UNTAKEN])
def test_well_signed_parameters_the_endpoint_does_not_take_are_refused_by_name(site, query, status, code):
    """README: "`track`, `locations` and the other filter parameters are `406`; anything else unknown is
    `400`" and a malformed value is `invalid_parameter` — for a correctly signed request (non-ASCII
    included), never `401` and never ignored. Signed by oauthlib."""
    answer = send(site, oauthlib_signed(site, query=query))
    assert (answer.status, answer.code) == (status, code), answer
    assert answer.closed
    assert_opens(site)


def test_a_401_carries_an_oauth_challenge(site):
    """RFC 9110 §15.5.2: "The server generating a 401 response MUST send a WWW-Authenticate header field
    containing at least one challenge applicable to the target resource" — here OAuth (RFC 5849 §3.5.1
    names the scheme `OAuth`), as Twitter's streaming endpoints did."""
    answer = assert_unauthorized(site, oauthlib_signed(site, consumer_secret="wrong"))
    assert answer.headers.get("www-authenticate", "").lower().startswith("oauth"), answer.headers
