"""Origin allow-lists: exact origins, a port wildcard, or a subdomain wildcard."""

from urllib.parse import urlsplit


def _parts(origin):
    split = urlsplit(origin)
    if split.scheme not in ("http", "https") or not split.hostname or split.path not in ("", "/"):
        return None
    port = split.netloc.rsplit(":", 1)[1] if ":" in split.netloc.split("]")[-1] else ""
    return split.scheme, split.hostname.lower(), port


def origin_allowed(origin, patterns):
    """Return True if origin matches one of patterns (`https://x.gov.cn`, `http://127.0.0.1:*`,
    `https://*.x.gov.cn`)."""
    have = _parts(origin or "")
    if have is None:
        return False
    scheme, host, port = have
    for pattern in patterns:
        subdomains = "://*." in pattern
        want = _parts(pattern.replace("://*.", "://", 1) if subdomains else pattern)
        if want is None:
            continue
        w_scheme, w_host, w_port = want
        if w_scheme != scheme or (w_port != "*" and w_port != port):
            continue
        if host.endswith("." + w_host) if subdomains else host == w_host:
            return True
    return False
