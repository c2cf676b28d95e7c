"""Address allow-lists (RTC_WORKER_ALLOW, METRICS_ALLOW): IP addresses, networks, or host names
(resolved when asked, so a worker's DNS name may move)."""

import ipaddress
import socket


class AddressList:
    """Entries like `10.0.0.0/8`, `::1`, `media-1.internal`; allows() a client address or host."""

    def __init__(self, entries: list[str]) -> None:
        self.networks, self.names = [], []
        for entry in entries:
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.names.append(entry.lower())

    def allows(self, host: str) -> bool:
        """Return True if host (an address or a name) is, or resolves only to, allowed addresses."""
        addresses = _addresses(host)
        if not addresses:
            return False
        return all(self._listed(address) for address in addresses)

    def _listed(self, address) -> bool:
        if any(address in network for network in self.networks):
            return True
        return any(address in _addresses(name) for name in self.names)


def _addresses(host: str) -> set:
    """Return the IP addresses host is or resolves to (none if it does not resolve)."""
    host = (host or "").strip("[]")
    try:
        address = ipaddress.ip_address(host)
        return {address.ipv4_mapped or address} if address.version == 6 else {address}
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return set()
    return {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos}
