"""The single defaults mapping, its environment overrides and its validation."""

import json
import os
import secrets
import tempfile
from pathlib import Path

from rtc.secretfile import read_secret

# Every timeout is here so tests (and operators) can change it; seconds unless named otherwise.
DEFAULTS = {
    "DATA_DIR": "var",
    "DATABASE_URL": "",  # empty: SQLite file zhengna.db in DATA_DIR
    "REDIS_URL": "",  # empty: the in-process bus
    "SECRET_KEY": "",  # empty: generated once and kept in DATA_DIR/secret_key
    "SITE_KEYS_KEY": "",  # Fernet key encrypting site secrets at rest; empty: SITE_KEYS_KEY_FILE,
    "SITE_KEYS_KEY_FILE": "",  # ...or generated into DATA_DIR/site_keys_key (SQLite only)
    "DEMO": False,  # server.py turns it on for loopback-only listeners
    "ALLOWED_HOSTS": [],  # Host names served (*.x.gov.cn too); empty: any, or loopback in demo
    "PUBLIC_URL": "",  # the address people use (https://...: Secure cookies and HSTS)
    "METRICS_ALLOW": ["127.0.0.0/8", "::1"],  # addresses/networks that may read /metrics
    "TESTING": False,
    # FULL: a message acknowledged survives power loss, not only a crash
    "SQLITE_SYNCHRONOUS": "FULL",
    # a browser's SDP offer with three m-lines is 6-20 KB; 2,000 CJK characters ~6 KB
    "MAX_FRAME_BYTES": 32768,
    "MAX_MESSAGE_CHARS": 2000,
    "AUTH_TIMEOUT": 10.0,  # first frame must arrive within this
    "HEARTBEAT_INTERVAL": 20.0,  # clients ping at least this often
    "HEARTBEAT_TIMEOUT": 60.0,  # silence longer than this closes a half-open socket
    "QUEUE_TIMEOUT": 1800.0,  # waiting this long with no agent ends as expired
    "RING_TIMEOUT": 30.0,  # a video request nobody answers
    "GRACE_PERIOD": 60.0,  # an agent offline this long hands the conversation back to the queue
    "IDLE_WARNING": 600.0,  # silence in a conversation before a reminder
    "IDLE_TIMEOUT": 900.0,  # silence before the system ends it
    "BOT_IDLE_TIMEOUT": 1800.0,  # a bot-only conversation left alone this long ends
    "SWEEP_INTERVAL": 1.0,  # how often timeouts are checked
    "CREDENTIAL_TTL": 43200.0,  # a taxpayer session credential lives 12 h from its last use
    "CREDENTIAL_MAX_AGE": 86400.0,  # ...and never longer than 24 h from its issue, whatever its use
    "TOKEN_LEEWAY": 30,
    "SYNC_BATCH": 200,  # events per store read when catching a client up
    "WS_RATE": 20.0,  # frames a second a connection may sustain...
    "WS_BURST": 60,  # ...with bursts up to this many
    "HTTP_RATE_LIMIT": "120 per minute",
    "LOGIN_RATE_LIMIT": "10 per minute",
    # a whole office behind one NAT reconnects after a restart
    "WS_HANDSHAKE_RATE_LIMIT": "600 per minute",
    "WS_MAX_PER_CREDENTIAL": 10,  # open taxpayer sockets of one credential (its tabs), per process
    "WS_MAX_PER_ADDRESS": 300,  # open taxpayer sockets from one address (office NAT), per process
    "UPLOAD_QUOTA_BYTES": 52428800,  # files one conversation may hold (50 MB: five 10 MB files)
    "UPLOAD_ORPHAN_TTL": 86400.0,  # an upload no message uses is removed this long after it came
    "LOGIN_FREE_FAILURES": 5,  # wrong passwords an account may have before it must wait...
    "LOGIN_BACKOFF_MAX": 900.0,  # ...1 s, 2 s, 4 s ... up to this long after each further one
    "TRUSTED_PROXIES": [],  # addresses/networks whose X-Forwarded-For is believed
    "CONSOLE_ORIGINS": [],  # extra origins allowed to open /ws/agent (same origin always is)
    # assumed handling time per conversation until a centre has history
    "ESTIMATE_HANDLE_TIME": 300.0,
    # child: start media workers beside the server; external: RTC_URL and/or registered
    "RTC": "child",
    "RTC_URL": "",  # external: comma-separated worker URLs (workers may also register themselves)
    "RTC_SECRET": "",  # shared with the workers; child: generated when empty
    "RTC_SECRET_FILE": "",  # or: a 0600 file holding it (the same on every process)
    "RTC_WORKER_ALLOW": [],  # external: addresses/networks/hosts whose workers may register
    "RTC_PORT": 0,  # 0: free ports for the child workers (else PORT, PORT+1, ...)
    "RTC_WORKERS": 1,  # child: how many worker processes (one per core for many calls)
    "RTC_WORKER_TTL": 20.0,  # a registered worker unheard of this long gets no new calls
    "RTC_ICE_SERVERS": "",  # JSON list of {"urls": ..., "username": ..., "credential": ...}
    "RTC_LOOPBACK_ONLY": False,  # a test switch: media over 127.0.0.1 only
    # a test switch: die right after the Nth group commit, before any ack
    "TEST_EXIT_AFTER_COMMITS": 0,
    "RECORDING_RETENTION_DAYS": 180,  # call recordings older than this are deleted
    # working days (the centre's calendar) to follow up a poor rating (差评回访)
    "FOLLOWUP_DAYS": 5,
}

ENV_PREFIX = "ZHENGNA_"


def load(overrides=None, environ=None):
    """Return the config: defaults, then ZHENGNA_* environment, then overrides; validated."""
    environ = os.environ if environ is None else environ
    config = {
        key: list(value) if isinstance(value, list) else value for key, value in DEFAULTS.items()
    }
    for key, default in DEFAULTS.items():
        raw = environ.get(ENV_PREFIX + key)
        if raw is not None:
            config[key] = _coerce(key, raw, default)
    config.update(overrides or {})
    if config["RTC_SECRET_FILE"] and not config["RTC_SECRET"]:
        config["RTC_SECRET"] = _secret_file("RTC_SECRET_FILE", config["RTC_SECRET_FILE"])
    validate(config)
    return config


def _secret_file(key, path):
    """Return the secret kept in a 0600 file; raise ValueError naming the setting otherwise."""
    try:
        return read_secret(path)
    except (OSError, ValueError) as exc:
        raise ValueError(f"setting {key}: {exc}") from None


def _coerce(key, raw, default):
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, list):
            return [part.strip() for part in raw.split(",") if part.strip()]
    except ValueError:
        raise ValueError(
            f"{ENV_PREFIX}{key}={raw!r} is not a valid {type(default).__name__}"
        ) from None
    return raw


ZERO_MEANS_OFF = {
    "RTC_PORT",
    "TEST_EXIT_AFTER_COMMITS",
}  # numbers where 0 is a choice, not a mistake


def validate(config):
    """Raise ValueError naming the first setting that cannot work."""
    for key, default in DEFAULTS.items():
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            value = config[key]
            if (
                not isinstance(value, (int, float))
                or value < 0
                or (value == 0 and key not in ZERO_MEANS_OFF)
            ):
                raise ValueError(f"setting {key} must be a positive number, not {value!r}")
    if config["SQLITE_SYNCHRONOUS"].upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ValueError("setting SQLITE_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA")
    if config["RTC"] not in ("child", "external", "off"):
        raise ValueError("setting RTC must be child, external or off")
    if config["RTC"] == "external" and not config["RTC_SECRET"]:
        raise ValueError(
            "setting RTC=external needs RTC_SECRET or RTC_SECRET_FILE (and RTC_URL, or workers "
            "started with --register from an address in RTC_WORKER_ALLOW)"
        )
    if not isinstance(config["FOLLOWUP_DAYS"], int) or not 1 <= config["FOLLOWUP_DAYS"] <= 60:
        raise ValueError("setting FOLLOWUP_DAYS must be a whole number of working days, 1 to 60")
    if config["PUBLIC_URL"] and not config["PUBLIC_URL"].startswith(("http://", "https://")):
        raise ValueError("setting PUBLIC_URL must start with https:// (or http://)")
    for key in ("RTC_WORKER_ALLOW", "METRICS_ALLOW", "ALLOWED_HOSTS"):
        if not isinstance(config[key], list) or not all(isinstance(e, str) for e in config[key]):
            raise ValueError(f"setting {key} must be a list of addresses, networks or host names")
    if config["IDLE_WARNING"] >= config["IDLE_TIMEOUT"]:
        raise ValueError("setting IDLE_WARNING must be shorter than IDLE_TIMEOUT")
    ice_servers(config)


def ice_servers(config):
    """Return RTC_ICE_SERVERS as a list of {"urls", "username"?, "credential"?}; raise ValueError if
    malformed."""
    raw = config["RTC_ICE_SERVERS"]
    if not raw:
        return []
    try:
        servers = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise ValueError("setting RTC_ICE_SERVERS must be a JSON list") from None
    if not isinstance(servers, list) or not all(
        isinstance(s, dict)
        and isinstance(s.get("urls"), (str, list))
        and s["urls"]
        and set(s) <= {"urls", "username", "credential"}
        for s in servers
    ):
        raise ValueError(
            'setting RTC_ICE_SERVERS must be a JSON list of {"urls", "username", "credential"}'
        )
    return servers


def database_url(config):
    """Return the SQLAlchemy URL: the configured one or SQLite in the data dir."""
    if config["DATABASE_URL"]:
        url = config["DATABASE_URL"]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return f"sqlite:///{Path(config['DATA_DIR']).resolve() / 'zhengna.db'}"


def secret_key(config):
    """Return the Flask secret: configured, or generated once and kept in the data dir."""
    if config["SECRET_KEY"]:
        return config["SECRET_KEY"]
    return _kept(Path(config["DATA_DIR"]) / "secret_key", lambda: secrets.token_hex(32))


def site_keys_key(config):
    """Return the key that encrypts the sites' signing secrets at rest (a Fernet key):
    SITE_KEYS_KEY, SITE_KEYS_KEY_FILE (0600), or for the embedded default one generated into the
    data dir. With a shared DATABASE_URL every process needs the same one: it must be set."""
    if config["SITE_KEYS_KEY"]:
        return config["SITE_KEYS_KEY"]
    if config["SITE_KEYS_KEY_FILE"]:
        return _secret_file("SITE_KEYS_KEY_FILE", config["SITE_KEYS_KEY_FILE"])
    if config["DATABASE_URL"]:
        raise ValueError(
            "setting SITE_KEYS_KEY (or SITE_KEYS_KEY_FILE) is needed with DATABASE_URL: every "
            "process must encrypt and read the sites' signing keys with the same key"
        )
    from cryptography.fernet import Fernet

    return _kept(Path(config["DATA_DIR"]) / "site_keys_key", lambda: Fernet.generate_key().decode())


def _kept(path, make):
    """Return the secret kept in path (0600), generating it once with make()."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or not path.read_text().strip():
        # Write a whole key under a temporary name, then link it into place: a process starting at
        # the same moment sees either no file or a complete one, and the first link wins.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
        try:
            os.link(temporary, path)
        except FileExistsError:
            if not path.read_text().strip():  # an empty key left by an older crash: replace it
                os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    os.chmod(path, 0o600)
    return path.read_text().strip()
