"""Taxpayer session credentials: issued at auth.hello, stored only as a hash, used for resume and
HTTP."""

import hashlib
import secrets
from datetime import timedelta

from . import roles
from .errors import AuthError


def issue():
    """Return a new random credential."""
    return secrets.token_urlsafe(32)


def digest(credential):
    """Return the stored form of a credential."""
    return hashlib.sha256(credential.encode()).hexdigest()


def person_for(store, credential, now, max_age):
    """Return the session row a credential belongs to, or raise credential_expired (unknown,
    revoked, unused past its expiry, or older than max_age seconds whatever its use) or
    role_not_allowed (its site no longer serves the role it was opened with: on resume and on every
    upload)."""
    person = store.directory.session_by_hash(digest(credential)) if credential else None
    if (
        person is None
        or person["expires_at"] <= now
        or person["created_at"] + timedelta(seconds=max_age) <= now
    ):
        raise AuthError("credential_expired")
    roles.check(store.directory.get_site(person["site_id"]) or {}, person["role"])
    return person


def expiry(person, now, ttl, max_age):
    """Return when a session used now expires: ttl from now, never past created_at + max_age."""
    return min(now + timedelta(seconds=ttl), person["created_at"] + timedelta(seconds=max_age))


def mismatch():
    """Return the refusal of a resume whose host token names someone else than the credential."""
    return AuthError("credential_mismatch")
