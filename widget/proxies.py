"""Client addresses behind a proxy: believe X-Forwarded-For only from configured proxies."""

import ipaddress


def _networks(entries):
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


def client_address(remote, forwarded_for, trusted):
    """Return the real client: walk X-Forwarded-For from the right past trusted proxies."""

    def is_trusted(address):
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in trusted)

    if not trusted or not is_trusted(remote) or not forwarded_for:
        return remote
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # a garbled header from the first untrusted hop: keep the socket peer
    return hops[0] if hops else remote


class TrustedProxies:
    """WSGI middleware setting REMOTE_ADDR to the client a trusted proxy reports."""

    def __init__(self, app, trusted):
        self.app = app
        self.trusted = _networks(trusted)

    def __call__(self, environ, start_response):
        if self.trusted:
            environ["REMOTE_ADDR"] = client_address(
                environ.get("REMOTE_ADDR", ""),
                environ.get("HTTP_X_FORWARDED_FOR", ""),
                self.trusted,
            )
        return self.app(environ, start_response)
