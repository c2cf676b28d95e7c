"""Site signing secrets encrypted at rest (Fernet, from the `cryptography` library) with the
SITE_KEYS_KEY: the database alone no longer lets anyone sign host tokens."""

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "fernet:"  # stored secrets without it are from before encryption (migrated at start)


class SiteKeyBox:
    """Seals secrets for the store and opens what it reads."""

    def __init__(self, key: str) -> None:
        try:
            self.fernet = Fernet(key.encode() if isinstance(key, str) else key)
        except (ValueError, TypeError):
            raise ValueError(
                "setting SITE_KEYS_KEY must be a Fernet key (32 url-safe base64 bytes; "
                "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')"
            ) from None

    def seal(self, secret: str) -> str:
        """Return the stored form of a secret (already sealed ones unchanged)."""
        if secret.startswith(PREFIX):
            return secret
        return PREFIX + self.fernet.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        """Return the secret of a stored value; raise ValueError if another key sealed it."""
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self.fernet.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise ValueError(
                "a site signing key was encrypted with another SITE_KEYS_KEY"
            ) from None
