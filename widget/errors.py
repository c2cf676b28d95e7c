"""Errors that reach a person: a stable code plus a message in Chinese and English."""


class ZhengnaError(Exception):
    """Root of every error the service reports to a client."""

    code = "error"
    status = 400  # HTTP status when raised inside a Flask view

    def __init__(self, code=None, zh=None, en=None, status=None, **detail):
        self.code = code or self.code
        self.status = status or self.status
        self.zh = zh or "请求无法处理。"
        self.en = en or "The request could not be processed."
        self.detail = detail
        super().__init__(f"{self.code}: {self.en}")

    def to_dict(self):
        """Return the JSON body shared by error frames and HTTP errors."""
        body = {"code": self.code, "zh": self.zh, "en": self.en}
        if self.detail:
            body["detail"] = self.detail
        return body


class ProtocolError(ZhengnaError):
    """A frame that is malformed, unknown, oversized or out of order."""

    code = "bad_frame"


class IllegalTransition(ZhengnaError):
    """An event that the interaction's current state does not allow."""

    code = "illegal_transition"
    status = 409

    def __init__(self, state, event, role=None):
        super().__init__(
            "illegal_transition",
            f"当前状态“{state}”下不能执行“{event}”。",
            f"Cannot {event} while the interaction is {state}.",
            state=state,
            event=event,
        )
        self.state = state
        self.event = event


class Forbidden(ZhengnaError):
    """The caller is not allowed to do this."""

    code = "forbidden"
    status = 403


class NotFound(ZhengnaError):
    """The thing asked for does not exist or is not the caller's."""

    code = "not_found"
    status = 404


class RateLimited(ZhengnaError):
    """Too many requests in too short a time."""

    code = "rate_limited"
    status = 429

    def __init__(self, retry_after=1.0):
        super().__init__(
            "rate_limited",
            "操作太频繁，请稍后再试。",
            "Too many requests; please slow down.",
            retry_after=round(retry_after, 1),
        )


class AuthError(ZhengnaError):
    """The first frame's token or credential was refused; carries a WebSocket close code."""

    status = 401

    def __init__(self, code, zh, en, close_code):
        super().__init__(code, zh, en)
        self.close_code = close_code
