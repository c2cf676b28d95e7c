"""ICE configuration: servers from config, and the loopback-only test switch (see TESTING.md)."""

import ipaddress
import json

import aioice.ice
from aiortc import RTCBundlePolicy, RTCConfiguration, RTCIceServer


def parse_ice_servers(text: str | None) -> list[RTCIceServer]:
    """Parse a JSON list of {"urls", "username"?, "credential"?} into RTCIceServers (empty when
    none)."""
    if not text:
        return []
    servers = json.loads(text)
    if isinstance(servers, dict):
        servers = [servers]
    if not isinstance(servers, list):
        raise ValueError("ice servers must be a JSON list of objects")
    return [
        RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
        for s in servers
    ]


def configuration(servers: list[RTCIceServer]) -> RTCConfiguration:
    """Build the peer configuration; always explicit, so aiortc never reaches for a public STUN
    server.

    max-bundle: with aiortc's default (balanced) a second video transceiver created before the offer
    is applied stays on a transport that BUNDLE then discards, and its media never flows (aiortc
    1.16.0).
    """
    return RTCConfiguration(iceServers=list(servers), bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


def _loopback_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    return ["127.0.0.1"] if use_ipv4 else []


def use_loopback_only() -> None:
    """Test switch: gather 127.0.0.1 as the only host candidate (aioice leaves it out by
    default)."""
    aioice.ice.get_host_addresses = _loopback_host_addresses


def is_loopback_candidate(line: str) -> bool:
    """Tell whether an `a=candidate:` SDP line names a loopback address."""
    parts = line.split()
    if len(parts) < 6:
        return False
    try:
        return ipaddress.ip_address(parts[4]).is_loopback
    except ValueError:  # mDNS names (xxxx.local) and garbage
        return False


def keep_loopback_candidates(sdp: str) -> str:
    """Drop every remote candidate that is not on loopback from an SDP."""
    lines = [
        line
        for line in sdp.splitlines()
        if not line.startswith("a=candidate:") or is_loopback_candidate(line)
    ]
    return "\r\n".join(lines) + "\r\n"
