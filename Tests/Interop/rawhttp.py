"""HTTP/1.x on raw sockets, for the tests that must put exact bytes on the wire (test_raw_http.py,
test_oauth_refusals.py): one request written as given, the answers read and parsed by hand, and whether
the server closed the connection, which a client library would hide."""
import json
import socket
import time

# How long a server may take to answer or close on a loaded machine: well above anything healthy,
# well below the idle timeout of the servers these tests start (so "closed" never means "timed out idle").
DEADLINE = 10.0


def exchange(port, data, shut_wr=False, until=None, deadline=DEADLINE):
    """Sends `data` in one write (optionally half-closing after it), then reads until the server closes,
    `until(received)` holds, or the deadline passes. Returns (received bytes, whether the server closed)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=deadline)
    try:
        try:
            sock.sendall(data)
            if shut_wr:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused while still sending: what was answered is still readable
        return read(sock, until=until, deadline=deadline)
    finally:
        sock.close()


def read(sock, until=None, deadline=DEADLINE):
    received = b""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if until and until(received):
            return received, False
        sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            return received, True
        if not chunk:
            return received, True
        received += chunk
    return received, False


class Response:
    """One answer: its status, headers (names in lower case, repeated ones joined), body and version; and,
    where the sender sets it, whether the connection was `closed` after it."""

    def __init__(self, status, headers, body, version, closed=None):
        self.status = status
        self.headers = headers
        self.body = body
        self.version = version
        self.closed = closed

    def json(self):
        return json.loads(self.body)

    @property
    def code(self):
        try:
            return self.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return None

    def __repr__(self):
        closed = "" if self.closed is None else f" closed={self.closed}"
        return f"<{self.status} {self.headers} {self.body[:200]!r}{closed}>"


def parse(data):
    """The complete responses in `data`, in order. A response with neither a length nor a `close` framing
    (a stream) ends the list with what arrived of its body."""
    responses = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            break
        lines = head.decode("latin-1").split("\r\n")
        version, status = lines[0].split(" ", 2)[:2]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        flat = {name: ", ".join(values) for name, values in headers.items()}
        if "content-length" in flat:
            length = int(flat["content-length"])
            if len(rest) < length:
                break
            responses.append(Response(int(status), flat, rest[:length], version))
            data = rest[length:]
        else:
            responses.append(Response(int(status), flat, rest, version))
            break
    return responses


def only_response(data):
    responses = parse(data)
    assert len(responses) == 1, f"expected exactly one answer, got {responses} from {data[:500]!r}"
    return responses[0]
