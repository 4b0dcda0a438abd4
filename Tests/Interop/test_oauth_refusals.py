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

WINDOW = 300  # README: timestamps within 5 minutes (SLUICE_OAUTH_WINDOW_SECONDS; `oauth.windowSeconds`, 300)
# How far inside and outside the window the bracket's timestamps are: far more than the few seconds a
# request takes to be signed and checked, and small enough that a window off by more is caught.
MARGIN = 30


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

# The granted user's friends preamble (alice follows nobody), as a whole line: the stream opened.
PREAMBLE = b'{"for_user":1,"message":{"friends":[]}}\r\n'


def dechunk(body):
    """The complete chunks of a chunked body, joined (a stream's body is read while it is still open)."""
    out = b""
    while b"\r\n" in body:
        size, _, rest = body.partition(b"\r\n")
        n = int(size, 16)
        if n == 0 or len(rest) < n + 2:
            break
        out, body = out + rest[:n], rest[n + 2:]
    return out


def send(site, data):
    """Sends a request; returns its answer: an error read until the server closes the connection
    (`closed` says whether it did within the deadline), or a stream read until its first user's friends
    preamble."""
    received, closed = exchange(site.port, data, until=lambda d: d.startswith(b"HTTP/1.1 200 ") and PREAMBLE in dechunk(d.partition(b"\r\n\r\n")[2]))
    answers = parse(received)
    answer = answers[0] if answers else Response(None, {}, received, None)
    answer.closed = closed
    return answer


def assert_opens(site, data=None):
    """The request (by default a fresh one signed by oauthlib) opens the stream: 200, then, as the README
    has a stream open, the keep-alive, the control message and the granted user's friends preamble."""
    answer = send(site, data or oauthlib_signed(site))
    assert answer.status == 200, answer
    body = dechunk(answer.body)
    control, _, rest = body.removeprefix(b"\r\n").partition(b"\r\n")
    assert body.startswith(b"\r\n") and control.startswith(b'{"control":{"control_uri":"/1.1/site/c/'), answer
    assert rest.startswith(PREAMBLE), f"no friends preamble for the granted user after the control message: {body[:300]!r}"
    assert site.proc.poll() is None


def refusal_message(answer):
    """The message of an answer in the README's error shape."""
    assert answer.headers.get("content-type", "").startswith("application/json"), answer
    message = answer.json()["error"]["message"]
    assert isinstance(message, str), answer
    return message


class WrongRule(AssertionError):
    """A request refused as it should be, but by another rule than the one its case is about."""


def assert_401(answer):
    assert (answer.status, answer.code) == (401, "unauthorized"), answer
    assert answer.closed, f"the refusal did not close the connection within {DEADLINE}s"


def assert_rule(answer, rule):
    """The message names `rule`, the check that refused: a refusal for another reason (a hand-made
    signature that is wrong anyway) does not count."""
    message = refusal_message(answer)
    if not (message.startswith("could not authenticate you: ") and rule in message):
        raise WrongRule(f"refused for another reason than {rule!r}: {message!r}")


def assert_unauthorized(site, data, rule):
    """`401 unauthorized`, the connection closed, and the message naming `rule`."""
    answer = send(site, data)
    assert_401(answer)
    assert_rule(answer, rule)
    return answer


# MARK: - Refusals

def now():
    return int(time.time())


# Each case: how the request is made, and the rule that must refuse it, as the server's message names
# it ("could not authenticate you: <rule>"). The message matters: most of these requests would fail the
# signature check anyway (a PLAINTEXT or HMAC-SHA256 signature, a duplicated parameter the signer
# counted once), so `401` alone would still pass with the rule under test removed.
OUTSIDE_WINDOW = f"oauth_timestamp is outside the {WINDOW} s window"
DUPLICATE = "{} is given more than once"
NOT_SECONDS = "oauth_timestamp must be a positive whole number of seconds"
ONLY_HMAC_SHA1 = "only HMAC-SHA1 signatures are accepted"
BAD_SIGNATURE = "invalid signature"

REFUSALS = {
    # RFC 5849 §3.1: "Each parameter MUST NOT appear more than once per request."
    "oauth_nonce in the header and the query": (DUPLICATE.format("oauth_nonce"),
        lambda s: hand_signed(s, header=protocol(s.app), query=[("follow", "1"), ("oauth_nonce", "second")])),
    "oauth_nonce twice in the query": (DUPLICATE.format("oauth_nonce"),
        lambda s: hand_signed(s, query=[("follow", "1"), *protocol(s.app), ("oauth_nonce", "second")])),
    "oauth_timestamp twice": (DUPLICATE.format("oauth_timestamp"),
        lambda s: hand_signed(s, header=protocol(s.app), query=[("follow", "1"), ("oauth_timestamp", str(now()))])),
    "oauth_signature_method twice (HMAC-SHA1, PLAINTEXT)": (DUPLICATE.format("oauth_signature_method"),
        lambda s: hand_signed(s, header=protocol(s.app), query=[("follow", "1"), ("oauth_signature_method", "PLAINTEXT")])),
    "oauth_version twice (1.0, 2.0)": (DUPLICATE.format("oauth_version"),
        lambda s: hand_signed(s, header=protocol(s.app), query=[("follow", "1"), ("oauth_version", "2.0")])),
    "oauth_version twice (1.0, 1.0)": (DUPLICATE.format("oauth_version"),
        lambda s: hand_signed(s, header=protocol(s.app), query=[("follow", "1"), ("oauth_version", "1.0")])),
    # README: HMAC-SHA1 only.
    "PLAINTEXT (oauthlib)": (ONLY_HMAC_SHA1, lambda s: oauthlib_signed(s, signature_method=oauth1.SIGNATURE_PLAINTEXT)),
    "HMAC-SHA256 (oauthlib)": (ONLY_HMAC_SHA1, lambda s: oauthlib_signed(s, signature_method=oauth1.SIGNATURE_HMAC_SHA256)),
    "RSA-SHA1 named, HMAC-SHA1 computed": (ONLY_HMAC_SHA1,
        lambda s: hand_signed(s, header=protocol(s.app, oauth_signature_method="RSA-SHA1"), query=[("follow", "1")])),
    # RFC 5849 §3.1: oauth_version, if present, MUST be 1.0.
    "oauth_version 2.0": ("oauth_version must be 1.0",
        lambda s: hand_signed(s, header=protocol(s.app, oauth_version="2.0"), query=[("follow", "1")])),
    "oauth_version empty": ("oauth_version must be 1.0",
        lambda s: hand_signed(s, header=protocol(s.app, oauth_version=""), query=[("follow", "1")])),
    # RFC 5849 §3.3: a positive integer of seconds; README: within 5 minutes.
    "timestamp not a number (oauthlib)": (NOT_SECONDS, lambda s: oauthlib_signed(s, timestamp="yesterday")),
    "timestamp in hexadecimal": (NOT_SECONDS,
        lambda s: hand_signed(s, header=protocol(s.app, oauth_timestamp=hex(now())), query=[("follow", "1")])),
    "timestamp with a fraction": (NOT_SECONDS,
        lambda s: hand_signed(s, header=protocol(s.app, oauth_timestamp=f"{now()}.25"), query=[("follow", "1")])),
    "timestamp in exponent notation": (NOT_SECONDS,
        lambda s: hand_signed(s, header=protocol(s.app, oauth_timestamp=f"{now()}e0"), query=[("follow", "1")])),
    "timestamp zero (oauthlib)": (NOT_SECONDS, lambda s: oauthlib_signed(s, timestamp="0")),
    "timestamp a day ahead (oauthlib)": (OUTSIDE_WINDOW, lambda s: oauthlib_signed(s, timestamp=str(now() + 86_400))),
    "timestamp a day behind (oauthlib)": (OUTSIDE_WINDOW, lambda s: oauthlib_signed(s, timestamp=str(now() - 86_400))),
    # The window's edge, bracketed with the accepted timestamps of test_a_timestamp_inside_the_window_is_accepted.
    "timestamp just past the window ahead (oauthlib)": (OUTSIDE_WINDOW,
        lambda s: oauthlib_signed(s, timestamp=str(now() + WINDOW + MARGIN))),
    "timestamp just past the window behind (oauthlib)": (OUTSIDE_WINDOW,
        lambda s: oauthlib_signed(s, timestamp=str(now() - WINDOW - MARGIN))),
    # Who signs.
    "unknown consumer key (oauthlib)": ("unknown consumer key", lambda s: oauthlib_signed(s, consumer_key="no-such-consumer-key")),
    "another app's owner token and secret (oauthlib)": ("only the app owner's access token may use Site Streams",
        lambda s: oauthlib_signed(s, token=s.other["access_token"], token_secret=s.other["access_token_secret"])),
    "another app's consumer secret for this key (oauthlib)": (BAD_SIGNATURE,
        lambda s: oauthlib_signed(s, consumer_secret=s.other["consumer_secret"])),
    "the owner token with a wrong token secret (oauthlib)": (BAD_SIGNATURE, lambda s: oauthlib_signed(s, token_secret="wrong")),
    "a wrong consumer secret (oauthlib)": (BAD_SIGNATURE, lambda s: oauthlib_signed(s, consumer_secret="wrong")),
    # What is signed.
    "a signature altered by one character": (BAD_SIGNATURE, lambda s: altered_signature(s)),
    "a signature for another port": (BAD_SIGNATURE,
        lambda s: hand_signed(s, header=protocol(s.app), query=[("follow", "1")], url=f"http://127.0.0.1:{s.port + 1}/1.1/site.json")),
    "a signature for POST sent with GET": (BAD_SIGNATURE,
        lambda s: hand_signed(s, header=protocol(s.app), query=[("follow", "1")], method="POST").replace(b"POST ", b"GET ", 1)),
    "follow changed after signing": (BAD_SIGNATURE,
        lambda s: hand_signed(s, header=(p := protocol(s.app)), query=[("follow", "1,2")], signed=p + [("follow", "1")])),
    "no oauth_signature": ("oauth_signature is missing",
        lambda s: http("GET", "/1.1/site.json?follow=1", s.port,
                       ["Authorization: OAuth " + ", ".join(f'{n}="{pct(v)}"' for n, v in protocol(s.app))])),
    # RFC 5849 §3.6: UTF-8, percent-encoded.
    "a non-ASCII nonce signed as Latin-1": (BAD_SIGNATURE,
        lambda s: hand_signed(s, header=(p := protocol(s.app, oauth_nonce="café-" + secrets.token_hex(4))), query=[("follow", "1")],
                              signed=[(n, v.encode("latin-1") if n == "oauth_nonce" else v) for n, v in p] + [("follow", "1")])),
    # The Authorization header's values are quoted strings of RFC 5849 §3.5.1, not a query: one that is
    # not valid percent-encoding makes the header malformed, a credential that does not verify (401).
    "an undecodable nonce (%E9) in the Authorization header": ("malformed Authorization header",
        lambda s: undecodable_header_nonce(s)),
}

# README, `invalid_parameter`: "a stream parameter that is not valid percent-encoding of UTF-8 (`%ZZ`)":
# an `oauth_nonce` in the query is a parameter of the stream's URL, refused as malformed before any
# signature is checked: `400 invalid_parameter` naming it, not `401`.
UNDECODABLE_QUERY = {
    "an undecodable nonce (%E9) in the query, signed as the literal text": lambda s: undecodable_nonce(s, "caf%E9-"),
    "an undecodable nonce (%ZZ) in the query, signed as the literal text": lambda s: undecodable_nonce(s, "bad%ZZ-"),
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


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_request_that_does_not_verify_is_401_and_a_correct_one_still_opens(site, case):
    """Each way a Site Streams request can fail OAuth: `401 unauthorized` in the JSON error shape, the
    connection closed, the message naming the rule the case breaks; then a correctly signed request opens
    the stream (the refusal left no state that locks the app out, and the server still serves). The
    message is checked last (`WrongRule`), so that a known wrong message never hides the rest."""
    rule, make = REFUSALS[case]
    answer = send(site, make(site))
    assert_401(answer)
    assert_opens(site)
    assert_rule(answer, rule)


@pytest.mark.parametrize("case", UNDECODABLE_QUERY, ids=list(UNDECODABLE_QUERY))
def test_an_undecodable_oauth_parameter_in_the_query_is_invalid_parameter(site, case):
    """`oauth_nonce=caf%E9-…` or `oauth_nonce=bad%ZZ-…` in the query cannot be decoded: `400
    invalid_parameter` naming `oauth_nonce`, the connection closed — not a `401` that would make the
    client look for a wrong secret. A correct request opens the stream afterwards."""
    answer = send(site, UNDECODABLE_QUERY[case](site))
    assert (answer.status, answer.code) == (400, "invalid_parameter"), answer
    assert answer.closed, f"the refusal did not close the connection within {DEADLINE}s"
    assert "oauth_nonce" in refusal_message(answer), answer
    assert_opens(site)


def test_a_nonce_is_good_once(site):
    """README: "each nonce once". The same nonce again, with the same or another timestamp, is refused;
    a fresh one is not."""
    nonce, stamp = "once-" + secrets.token_hex(8), now()
    assert_opens(site, oauthlib_signed(site, nonce=nonce, timestamp=str(stamp)))
    assert_unauthorized(site, oauthlib_signed(site, nonce=nonce, timestamp=str(stamp)), "oauth_nonce was already used")
    assert_unauthorized(site, oauthlib_signed(site, nonce=nonce, timestamp=str(stamp - 1)), "oauth_nonce was already used")
    assert_unauthorized(site, oauthlib_signed(site, nonce=nonce, timestamp=str(stamp), placement="query"),
                        "oauth_nonce was already used")
    assert_opens(site)


@pytest.mark.parametrize("offset", [-(WINDOW - MARGIN), WINDOW - MARGIN], ids=["behind", "ahead"])
def test_a_timestamp_inside_the_window_is_accepted(site, offset):
    """The other side of the window: a clock 4.5 minutes off either way is within "5 minutes"; with the
    refusals at 5.5 minutes above, any window but 270 to 330 s fails one of them."""
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
    answer = assert_unauthorized(site, oauthlib_signed(site, consumer_secret="wrong"), BAD_SIGNATURE)
    assert answer.headers.get("www-authenticate", "").lower().startswith("oauth"), answer.headers
