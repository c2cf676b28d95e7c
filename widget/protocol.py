"""Every frame type: inbound parsing and validation, outbound building, size limits."""

import json
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from .errors import ProtocolError, ZhengnaError

Check = Callable[[Any], Any]  # validates one field's value: returns it cleaned or raises ValueError

_CID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_KB_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _cid(value: Any) -> str:
    if not isinstance(value, str) or not _CID.match(value):
        raise ValueError("must be 1-64 letters, digits or _.:-")
    return value


def _id(value: Any) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise ValueError("must be an id")
    return value


def _seq(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("must be a whole number >= 0")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _text(limit: int) -> Check:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("must be text")
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if len(value) > limit:
            raise ValueError(f"must be at most {limit} characters")
        return value

    return check


def _optional_text(limit: int) -> Check:
    def check(value: Any) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            return ""
        return _text(limit)(value)

    return check


def _sdp(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("v=0") or len(value) > 30000:
        raise ValueError("must be an SDP description of at most 30,000 characters")
    return value  # never stripped: SDP lines end with CRLF


def _score(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValueError("must be 1 to 5")
    return value


def _tags(value: Any) -> list[str]:
    if (
        not isinstance(value, list)
        or len(value) > 8
        or not all(isinstance(tag, str) and 0 < len(tag) <= 32 for tag in value)
    ):
        raise ValueError("must be a list of at most 8 short tags")
    return sorted(set(value))


def _choice(*allowed: str) -> Check:
    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    return check


def _kb_id(value: Any) -> str:
    if not isinstance(value, str) or not _KB_ID.match(value):
        raise ValueError("must be a knowledge-base id")
    return value


def material_names(value: Any) -> list[str]:
    if (
        not isinstance(value, list)
        or not 1 <= len(value) <= 20
        or not all(isinstance(item, str) and 0 < len(item.strip()) <= 100 for item in value)
    ):
        raise ValueError("must be a list of 1 to 20 material names of at most 100 characters")
    # (a form's materials: the frame form.send and the console's form templates)
    names = [item.strip() for item in value]
    if len(set(names)) != len(names):
        raise ValueError("must not name a material twice")
    return names


TEXT = "text"  # placeholders replaced by the configured message length at parse time
OPTIONAL_TEXT = "optional text"

# type -> {field: (validator, required)}; a field not listed is refused.
# frame type -> {field: (check, or TEXT/OPTIONAL_TEXT for the configured length; required)}
INBOUND: dict[str, dict[str, tuple[Check | str, bool]]] = {
    "auth.hello": {"token": (_text(4096), True)},
    "auth.resume": {"credential": (_text(128), True), "token": (_text(4096), True)},
    "ping": {},
    "ack": {"interaction_id": (_id, True), "seq": (_seq, True)},
    "sync": {"interaction_id": (_id, True), "last_seq": (_seq, True)},
    "history.list": {},
    # lang: the widget's language; an answer is given in English when it is "en" or the question is
    # English
    "bot.ask": {"cid": (_cid, True), "text": (TEXT, True), "lang": (_choice("zh", "en"), False)},
    "bot.pick": {
        "cid": (_cid, True),
        "kb_id": (_kb_id, True),
        "lang": (_choice("zh", "en"), False),
    },
    "human.request": {"cid": (_cid, True)},
    "interaction.cancel": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "interaction.close": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "interaction.accept": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "interaction.end": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "category": (_optional_text(64), False),
    },
    "message.send": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "text": (OPTIONAL_TEXT, False),
        "attachment_id": (_id, False),
    },
    "bot.feedback": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "seq": (_seq, True),
        "value": (_choice("up", "down"), True),
    },
    "leave.submit": {
        "cid": (_cid, True),
        "text": (_text(1000), True),
        "contact": (_optional_text(64), False),
    },
    "typing": {"interaction_id": (_id, True), "on": (_flag, True)},
    "read": {"interaction_id": (_id, True), "seq": (_seq, True)},
    "rating.submit": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "score": (_score, True),
        "tags": (_tags, False),
        "comment": (_optional_text(500), False),
    },
    "presence.set": {"value": (_choice("online", "away", "offline"), True)},
    "interaction.transfer": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "to_agent": (_id, False),
        "to_centre": (_id, False),
        "note": (_optional_text(500), False),
    },
    "note.add": {"cid": (_cid, True), "interaction_id": (_id, True), "text": (TEXT, True)},
    "history.of": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "call.request": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "call.cancel": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "call.accept": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "call.decline": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "call.hangup": {"cid": (_cid, True), "interaction_id": (_id, True)},
    "rtc.offer": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "sdp": (_sdp, True),
        "restart": (_flag, False),
    },
    "form.send": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "title": (_text(100), True),
        "items": (material_names, True),
        "template_id": (_id, False),
    },
    "form.attach": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "form_id": (_id, True),
        "item_id": (_id, True),
        "attachment_id": (_id, True),
    },
    "form.submit": {"cid": (_cid, True), "interaction_id": (_id, True), "form_id": (_id, True)},
    "form.return": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "form_id": (_id, True),
        "reason": (_text(500), True),
    },
    "form.done": {
        "cid": (_cid, True),
        "interaction_id": (_id, True),
        "form_id": (_id, True),
        "result": (_text(1000), True),
    },
    "forms.list": {},
}

AUTH_TYPES = frozenset({"auth.hello", "auth.resume"})


def parse(
    raw: str | bytes, max_bytes: int, max_chars: int, allowed: Collection[str]
) -> dict[str, Any]:
    """Return a validated inbound frame dict or raise ProtocolError with a specific code."""
    if isinstance(raw, bytes):
        raise ProtocolError("binary_frame", "不支持二进制消息。", "Binary frames are not accepted.")
    if len(raw.encode("utf-8")) > max_bytes:
        raise ProtocolError(
            "frame_too_large",
            f"消息过大（上限 {max_bytes} 字节）。",
            f"The frame is larger than {max_bytes} bytes.",
        )
    try:
        frame = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
        raise ProtocolError(
            "bad_json", "消息不是有效的 JSON。", "The frame is not valid JSON."
        ) from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise ProtocolError("bad_frame", "消息缺少 type 字段。", "The frame has no type.")
    kind = frame["type"]
    ref = frame.get("cid") if isinstance(frame.get("cid"), str) else None
    if kind not in INBOUND or kind not in allowed:
        raise ProtocolError(
            "unknown_type",
            f"不支持的消息类型：{kind[:40]}",
            f"Unknown frame type: {kind[:40]}",
            ref=ref,
        )
    schema = INBOUND[kind]
    if "cid" not in schema:  # any request may carry a cid so its error or reply can name it
        schema = {**schema, "cid": (_cid, False)}
    extra = set(frame) - set(schema) - {"type"}
    if extra:
        name = sorted(extra)[0][:40]
        raise ProtocolError(
            "bad_field", f"不认识的字段：{name}", f"Unexpected field: {name}", ref=ref
        )
    clean = {"type": kind}
    for name, (check, required) in schema.items():
        if name not in frame:
            if required:
                raise ProtocolError(
                    "bad_field", f"缺少字段：{name}", f"Missing field: {name}", ref=ref
                )
            continue
        if isinstance(check, str):  # TEXT or OPTIONAL_TEXT: the configured length
            check = {TEXT: _text(max_chars), OPTIONAL_TEXT: _optional_text(max_chars)}[check]
        try:
            clean[name] = check(frame[name])
        except ValueError as exc:
            raise ProtocolError(
                "bad_field", f"字段 {name} 不正确：{exc}", f"Field {name} {exc}.", ref=ref
            ) from None
    return clean


def error_frame(error: ZhengnaError, ref: str | None = None) -> dict[str, Any]:
    """Return the outbound frame for a ZhengnaError (the error itself is left as it was)."""
    body = error.to_dict()
    detail = dict(body.pop("detail", None) or {})
    ref = ref or detail.get("ref")
    detail.pop("ref", None)
    frame = {"type": "error", **body}
    if ref:
        frame["ref"] = ref
    if detail:
        frame["detail"] = detail
    return frame


def event_frame(row: Mapping[str, Any]) -> dict[str, Any]:
    """Return the outbound frame for a stored event row."""
    return {
        "type": row["type"],
        "interaction_id": row["interaction_id"],
        "seq": row["seq"],
        "at": row["created_at"].isoformat(),
        "actor": {"role": row["actor_role"], "id": row["actor_id"]},
        **row["payload"],
    }


def encode(frame: Mapping[str, Any]) -> str:
    """Serialise a frame (compact, UTF-8 kept readable)."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
