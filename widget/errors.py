"""Errors that reach a person: a catalogue entry (protocol.ERRORS) raised by its key."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .protocol import CloseCode


class ZhengnaError(Exception):
    """Root of every error the service reports to a client.

    ZhengnaError("not_found.site") raises the catalogue entry of that key: its code (the key up to
    the first dot), texts, HTTP status and close code. Keyword arguments fill the texts' format
    fields; detail (a dict) travels with the error to the client."""

    close_code: "CloseCode | None"

    def __init__(self, key: str, /, detail: dict | None = None, **fields: object) -> None:
        from .protocol import ERRORS, code_of  # protocol imports this module (ProtocolError)

        entry = ERRORS[key]
        self.key, self.code = key, code_of(key)
        self.zh, self.en = entry.zh.format(**fields), entry.en.format(**fields)
        self.status, self.close_code = entry.status, entry.close
        self.detail = dict(detail or {})
        super().__init__(f"{self.code}: {self.en}")

    def to_dict(self) -> dict:
        """Return the JSON body shared by error frames and HTTP errors."""
        body: dict = {"code": self.code, "zh": self.zh, "en": self.en}
        if self.detail:
            body["detail"] = self.detail
        return body


class ProtocolError(ZhengnaError):
    """A frame that is malformed, unknown, oversized or out of order."""


class IllegalTransition(ZhengnaError):
    """An event that the interaction's current state does not allow."""

    def __init__(self, state: str, event: str, role: str | None = None) -> None:
        super().__init__(
            "illegal_transition", {"state": state, "event": event}, state=state, event=event
        )
        self.state = state
        self.event = event


class RateLimited(ZhengnaError):
    """Too many requests in too short a time."""

    def __init__(self, retry_after: float = 1.0) -> None:
        super().__init__("rate_limited", {"retry_after": round(retry_after, 1)})


class AuthError(ZhengnaError):
    """The first frame's token or credential was refused: the socket closes with close_code."""

    def __init__(self, key: str, /, detail: dict | None = None, **fields: object) -> None:
        super().__init__(key, detail, **fields)
        if self.close_code is None:
            raise ValueError(f"{key} names no close code")
