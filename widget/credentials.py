"""Taxpayer session credentials: issued at auth.hello, stored only as a hash, used for resume and HTTP."""

import hashlib
import secrets

from . import roles
from .errors import AuthError

CLOSE_CREDENTIAL = 4005


def issue():
    """Return a new random credential."""
    return secrets.token_urlsafe(32)


def digest(credential):
    """Return the stored form of a credential."""
    return hashlib.sha256(credential.encode()).hexdigest()


def person_for(store, credential, now):
    """Return the session row a credential belongs to; raise credential_expired, or role_not_allowed
    when its site no longer accepts the role it was opened with (on resume and on every upload)."""
    person = store.session_by_hash(digest(credential)) if credential else None
    if person is None or person["expires_at"] <= now:
        raise AuthError(
            "credential_expired",
            "会话已过期，请刷新页面。",
            "Your session has expired; reload the page.",
            CLOSE_CREDENTIAL,
        )
    roles.check(store.get_site(person["site_id"]) or {}, person["role"])
    return person
