"""Worker settings: command-line options, each also read from ZHENGNA_RTC_* in the environment; the
shared secret only from the environment or a 0600 file (a command line is public on the machine)."""

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiortc import RTCIceServer

from rtc.ice import parse_ice_servers
from rtc.secretfile import read_secret

MODES = ("forward", "decode")


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 0
    secret: str = ""
    data_dir: str = "."
    ice_servers: list[RTCIceServer] = field(default_factory=list)
    mode: str = "forward"
    loopback_only: bool = False
    drop_rate: float = 0.0
    events_url: str | None = None
    register: list[str] = field(default_factory=list)  # web servers to announce this worker to
    public_url: str | None = None  # how the web servers reach this worker


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"ZHENGNA_RTC_{name}", default)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def parse(argv: Sequence[str] | None = None) -> Settings:
    """Build Settings from `argv` with ZHENGNA_RTC_* defaults; exit with a usage error when
    invalid."""
    p = argparse.ArgumentParser(prog="python -m rtc", description="Zhengna media worker")
    p.add_argument(
        "--listen", default=_env("LISTEN", "127.0.0.1:0"), help="HOST:PORT (ZHENGNA_RTC_LISTEN)"
    )
    p.add_argument(
        "--secret-file",
        default=_env("SECRET_FILE"),
        help="a 0600 file holding the shared secret (ZHENGNA_RTC_SECRET_FILE); or set the secret "
        "itself in ZHENGNA_RTC_SECRET (never on the command line: ps shows it)",
    )
    p.add_argument(
        "--data-dir", default=_env("DATA_DIR"), help="recordings go under DIR/recordings"
    )
    p.add_argument("--ice-servers", default=_env("ICE_SERVERS"), help='JSON: [{"urls": ..., ...}]')
    p.add_argument("--mode", choices=MODES, default=_env("MODE", "forward"))
    p.add_argument(
        "--loopback-only",
        action="store_true",
        default=_truthy(_env("LOOPBACK_ONLY")),
        help="test switch: 127.0.0.1 candidates only",
    )
    p.add_argument(
        "--drop-rate",
        type=float,
        default=float(_env("DROP_RATE", "0") or 0),
        help="test switch: drop this fraction of incoming RTP packets",
    )
    p.add_argument("--events-url", default=_env("EVENTS_URL"), help="POST peer state changes here")
    p.add_argument(
        "--register",
        default=_env("REGISTER", ""),
        help="comma-separated web server URLs to announce this worker to every few seconds",
    )
    p.add_argument(
        "--public-url",
        default=_env("PUBLIC_URL"),
        help="the URL the web servers use to reach this worker (default http://HOST:PORT)",
    )
    args = p.parse_args(argv)
    host, _, port = args.listen.rpartition(":")
    if not host or not port.isdigit():
        p.error("--listen must be HOST:PORT")
    secret = _env("SECRET") or ""
    if args.secret_file:
        try:
            secret = read_secret(args.secret_file)
        except (OSError, ValueError) as exc:
            p.error(f"--secret-file: {exc}")
    if not secret:
        p.error("the shared secret is required: ZHENGNA_RTC_SECRET or --secret-file")
    if not args.data_dir:
        p.error("--data-dir (or ZHENGNA_RTC_DATA_DIR) is required")
    if args.mode not in MODES:
        p.error(f"--mode must be one of {MODES}")
    if not 0.0 <= args.drop_rate < 1.0:
        p.error("--drop-rate must be in [0, 1)")
    register = [url.strip().rstrip("/") for url in (args.register or "").split(",") if url.strip()]
    if register and not args.public_url and host in ("0.0.0.0", "::", "[::]"):
        p.error("--public-url is needed with --register when listening on every address")
    try:
        servers = parse_ice_servers(args.ice_servers)
    except (ValueError, KeyError, TypeError) as exc:
        p.error(f"--ice-servers: {exc}")
    return Settings(
        host=host,
        port=int(port),
        secret=secret,
        data_dir=os.path.abspath(args.data_dir),
        ice_servers=servers,
        mode=args.mode,
        loopback_only=args.loopback_only,
        drop_rate=args.drop_rate,
        events_url=args.events_url or None,
        register=register,
        public_url=(args.public_url or "").rstrip("/") or None,
    )
