"""Client addresses behind proxies: X-Forwarded-For is believed only from configured proxies."""

import ipaddress

import pytest

from widget.proxies import TrustedProxies, client_address

TRUSTED = [
    ipaddress.ip_network("10.0.0.0/8"),
    ipaddress.ip_network("fd00::/8"),
    ipaddress.ip_network("192.0.2.7/32"),
]


@pytest.mark.parametrize(
    "remote, forwarded, trusted, expected",
    [
        # nobody trusted: the socket peer, whatever the header says
        ("10.0.0.1", "1.2.3.4", [], "10.0.0.1"),
        ("203.0.113.9", "1.2.3.4, 10.0.0.5", [], "203.0.113.9"),
        # a trusted peer: the right-most hop that is not one of ours
        ("10.0.0.1", "1.2.3.4", TRUSTED, "1.2.3.4"),
        ("10.0.0.1", "1.2.3.4, 10.0.0.5", TRUSTED, "1.2.3.4"),
        ("10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.5, 192.0.2.7", TRUSTED, "1.2.3.4"),
        ("192.0.2.7", " 1.2.3.4 ,10.9.9.9 ", TRUSTED, "1.2.3.4"),
        ("fd00::1", "2001:DB8:0:0::1, fd00::2", TRUSTED, "2001:db8::1"),
        ("10.0.0.1", "2001:db8::5", TRUSTED, "2001:db8::5"),
        # every hop is ours: the left-most one is the client
        ("10.0.0.1", "10.0.0.7, 10.0.0.5", TRUSTED, "10.0.0.7"),
        ("10.0.0.1", "fd00::9", TRUSTED, "fd00::9"),
        # a garbled right-most untrusted hop: keep the socket peer rather than believe junk
        ("10.0.0.1", "1.2.3.4, garbage", TRUSTED, "10.0.0.1"),
        ("10.0.0.1", "1.2.3.4, 1.2.3.4:5678", TRUSTED, "10.0.0.1"),
        ("10.0.0.1", "1.2.3.4, <script>, 10.0.0.5", TRUSTED, "10.0.0.1"),
        # junk further left than the right-most untrusted hop does not matter
        ("10.0.0.1", "garbage, 1.2.3.4, 10.0.0.5", TRUSTED, "1.2.3.4"),
        # an untrusted peer's header is ignored: spoofing does not work
        ("203.0.113.9", "10.0.0.5", TRUSTED, "203.0.113.9"),
        ("203.0.113.9", "1.2.3.4", TRUSTED, "203.0.113.9"),
        ("192.0.2.8", "1.2.3.4", TRUSTED, "192.0.2.8"),
        ("", "1.2.3.4", TRUSTED, ""),
        ("not-an-ip", "1.2.3.4", TRUSTED, "not-an-ip"),
        # a trusted peer without a usable header
        ("10.0.0.1", "", TRUSTED, "10.0.0.1"),
        ("10.0.0.1", None, TRUSTED, "10.0.0.1"),
        ("10.0.0.1", " , ,", TRUSTED, "10.0.0.1"),
    ],
)
def test_client_address(remote, forwarded, trusted, expected):
    assert client_address(remote, forwarded, trusted) == expected


class Recorder:
    """A WSGI app that remembers the REMOTE_ADDR it was called with."""

    def __init__(self):
        self.seen = []

    def __call__(self, environ, start_response):
        self.seen.append(environ.get("REMOTE_ADDR"))
        start_response("200 OK", [])
        return [b"ok"]


def call(middleware, remote, forwarded=None):
    environ = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    body = middleware(environ, lambda status, headers: None)
    assert body == [b"ok"]
    return environ["REMOTE_ADDR"]


def test_middleware_without_trusted_proxies_leaves_the_peer():
    app = Recorder()
    assert call(TrustedProxies(app, []), "10.0.0.1", "1.2.3.4") == "10.0.0.1"
    assert app.seen == ["10.0.0.1"]


def test_middleware_sets_the_real_client_from_a_trusted_proxy():
    app = Recorder()
    middleware = TrustedProxies(app, ["10.0.0.0/8", "fd00::/8"])
    assert call(middleware, "10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.5") == "1.2.3.4"
    assert call(middleware, "fd00::1", "2001:db8::1") == "2001:db8::1"
    assert app.seen == ["1.2.3.4", "2001:db8::1"]


def test_middleware_ignores_an_untrusted_peer_header():
    app = Recorder()
    assert call(TrustedProxies(app, ["10.0.0.0/8"]), "203.0.113.9", "10.0.0.5") == "203.0.113.9"
    assert app.seen == ["203.0.113.9"]


def test_middleware_trusted_peer_without_header():
    app = Recorder()
    assert call(TrustedProxies(app, ["10.0.0.1"]), "10.0.0.1") == "10.0.0.1"


def test_middleware_accepts_hosts_and_loose_networks():
    middleware = TrustedProxies(Recorder(), ["127.0.0.1", "10.1.2.3/8"])  # host bits allowed
    assert call(middleware, "10.200.0.1", "1.2.3.4") == "1.2.3.4"
    assert call(middleware, "127.0.0.1", "1.2.3.4") == "1.2.3.4"


def test_middleware_refuses_a_bad_network_at_start():
    with pytest.raises(ValueError):
        TrustedProxies(Recorder(), ["10.0.0.0/33"])
