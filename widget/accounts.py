"""Agents: argon2 password hashes, creation and login."""

from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import protocol
from .errors import ZhengnaError
from .store import new_id

ROLES = ("agent", "supervisor", "admin")
_hasher = PasswordHasher()  # argon2id with the library's recommended parameters


def create_agent(
    store, username, password, centre_id, role="agent", display_name=None, max_concurrent=5
):
    """Create an agent account; raise ValueError with a reason a person can act on."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not username or len(username) > 64 or not username.isprintable() or " " in username:
        raise ValueError("username must be 1-64 printable characters without spaces")
    if len(password) < 8:
        raise ValueError("password must have at least 8 characters")
    if not 1 <= max_concurrent <= 1000:
        raise ValueError("max_concurrent must be between 1 and 1000")
    if store.directory.get_centre(centre_id) is None:
        raise ValueError(f"no centre {centre_id!r}")
    row = {
        "id": new_id(),
        "username": username,
        "password_hash": _hasher.hash(password),
        "display_name": display_name or username,
        "centre_id": centre_id,
        "role": role,
        "max_concurrent": max_concurrent,
        "presence": "offline",
        "disabled": False,
        "created_at": datetime.now(UTC),
    }
    store.directory.create_agent(row)
    return row


SESSION_CHANGES = ("role", "centre_id", "disabled", "password_hash")  # end the account's sessions


def end_sessions(store, bus, agent_id: str) -> None:
    """End every console session of an account at once, on every process: older cookies stop
    working (the session version moves on) and its open consoles are closed (told on the bus)."""
    store.directory.bump_session_version(agent_id)
    ended = ZhengnaError("session_ended")
    frame = protocol.error_frame(ended)
    bus.publish(f"agent:{agent_id}", {"kind": "close", "code": ended.close_code, "frame": frame})


def set_password(store, agent_id: str, password: str) -> None:
    """Replace an account's password (at least 8 characters)."""
    if len(password) < 8:
        raise ValueError("password must have at least 8 characters")
    store.directory.update_agent(agent_id, password_hash=hash_password(password))


def hash_password(password: str) -> str:
    """Return the stored (argon2id) form of a password."""
    return _hasher.hash(password)


def login(store, username, password, now, free_failures=5, backoff_max=900.0):
    """Return the agent row if the password is right, else None (same cost either way). An account
    with more than free_failures wrong passwords in a row waits 1 s, 2 s, 4 s ... (at most
    backoff_max) after each further one: raise login_backoff while it waits, whatever the
    password."""
    agent = store.directory.agent_by_username(username or "")
    if agent is None or agent["disabled"]:
        _hasher.hash(password or "")  # spend the same time as a real check
        return None
    blocked = agent["login_blocked_until"]
    if blocked is not None and blocked > now:
        wait = max(1, int((blocked - now).total_seconds() + 0.999))
        raise ZhengnaError("login_backoff", {"retry_after": wait}, wait=wait)
    try:
        _hasher.verify(agent["password_hash"], password or "")
    except (VerificationError, InvalidHashError):

        def blocked_until(failures):
            if failures <= free_failures:
                return None
            return now + timedelta(seconds=min(backoff_max, 2 ** (failures - free_failures - 1)))

        store.directory.note_login_failure(agent["id"], blocked_until)
        return None
    if agent["failed_logins"]:
        store.directory.update_agent(agent["id"], failed_logins=0, login_blocked_until=None)
    if _hasher.check_needs_rehash(agent["password_hash"]):
        store.directory.update_agent(agent["id"], password_hash=_hasher.hash(password))
    return agent
