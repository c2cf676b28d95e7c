"""Inbound frame parsing: every type accepted when well formed, every kind of bad frame refused by
code."""

import json
from datetime import UTC, datetime

import pytest

from widget.errors import ProtocolError, RateLimited, ZhengnaError
from widget.protocol import (
    AUTH_TYPES,
    INBOUND,
    encode,
    error_frame,
    event_frame,
    message_view,
    parse,
)

MAX_BYTES, MAX_CHARS = 2048, 50
ALL = frozenset(INBOUND)

VALID = {
    "auth.hello": {"token": "eyJhbGciOiJIUzI1NiJ9.e30.sig"},
    "auth.resume": {"credential": "c" * 43, "token": "t" * 100},
    "ping": {},
    "ack": {"interaction_id": "ix_1-A", "seq": 0},
    "sync": {"interaction_id": "ix1", "last_seq": 17},
    "history.list": {},
    "bot.ask": {"cid": "c1", "text": "如何开具发票？"},
    "bot.pick": {"cid": "c2", "kb_id": "invoice.issue-1"},
    "human.request": {"cid": "c3"},
    "interaction.cancel": {"cid": "c4", "interaction_id": "ix1"},
    "interaction.close": {"cid": "c5", "interaction_id": "ix1"},
    "interaction.accept": {"cid": "c6", "interaction_id": "ix1"},
    "interaction.end": {"cid": "c7", "interaction_id": "ix1", "category": "发票"},
    "message.send": {
        "cid": "c8",
        "interaction_id": "ix1",
        "text": "你好",
        "attachment_id": "att_1",
    },
    "bot.feedback": {"cid": "c10", "interaction_id": "ix1", "seq": 4, "value": "down"},
    "leave.submit": {"cid": "c11", "text": "请回电", "contact": "13800000000"},
    "typing": {"interaction_id": "ix1", "on": True},
    "read": {"interaction_id": "ix1", "seq": 3},
    "rating.submit": {
        "cid": "c9",
        "interaction_id": "ix1",
        "score": 5,
        "tags": ["快"],
        "comment": "好",
    },
    "presence.set": {"value": "away"},
    "interaction.transfer": {
        "cid": "c9",
        "interaction_id": "ix_1",
        "to_agent": "ag_2",
        "note": "请接手",
    },
    "note.add": {"cid": "c10", "interaction_id": "ix_1", "text": "内部备注"},
    "history.of": {"cid": "c11", "interaction_id": "ix_1"},
    "call.request": {"cid": "c12", "interaction_id": "ix_1"},
    "call.cancel": {"cid": "c13", "interaction_id": "ix_1"},
    "call.accept": {"cid": "c14", "interaction_id": "ix_1"},
    "call.decline": {"cid": "c15", "interaction_id": "ix_1"},
    "call.hangup": {"cid": "c16", "interaction_id": "ix_1"},
    "rtc.offer": {
        "cid": "c17",
        "interaction_id": "ix_1",
        "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n",
    },
    "form.send": {
        "cid": "f1",
        "interaction_id": "ix1",
        "title": "发票额度调整",
        "items": ["申请表", "身份证件"],
        "template_id": "demo-quota",
    },
    "form.attach": {
        "cid": "f2",
        "interaction_id": "ix1",
        "form_id": "fm1",
        "item_id": "m1",
        "attachment_id": "at1",
    },
    "form.submit": {"cid": "f3", "interaction_id": "ix1", "form_id": "fm1"},
    "form.return": {"cid": "f4", "interaction_id": "ix1", "form_id": "fm1", "reason": "缺公章"},
    "form.done": {"cid": "f5", "interaction_id": "ix1", "form_id": "fm1", "result": "已办结"},
    "forms.list": {},
}

# one wrong value per field, including a bool where a number belongs
WRONG = [
    ("auth.hello", "token", 123),
    ("auth.hello", "token", "   "),
    ("auth.resume", "credential", ""),
    ("ack", "interaction_id", 7),
    ("ack", "interaction_id", "a/b"),
    ("ack", "interaction_id", "x" * 33),
    ("ack", "seq", True),
    ("ack", "seq", False),
    ("ack", "seq", -1),
    ("ack", "seq", 1.5),
    ("ack", "seq", 2.0),
    ("ack", "seq", "3"),
    ("sync", "last_seq", None),
    ("read", "seq", True),
    ("bot.ask", "cid", ""),
    ("bot.ask", "cid", "has space"),
    ("bot.ask", "cid", "c" * 65),
    ("bot.ask", "cid", 5),
    ("bot.ask", "text", ["hi"]),
    ("bot.pick", "kb_id", "no spaces"),
    ("bot.pick", "kb_id", None),
    ("typing", "on", 1),
    ("typing", "on", "true"),
    ("rating.submit", "score", True),
    ("rating.submit", "score", 0),
    ("rating.submit", "score", 6),
    ("rating.submit", "score", "5"),
    ("rating.submit", "score", 3.0),
    ("rating.submit", "tags", "fast"),
    ("rating.submit", "tags", [1]),
    ("rating.submit", "tags", [""]),
    ("rating.submit", "tags", ["t" * 33]),
    ("rating.submit", "tags", [str(n) for n in range(9)]),
    ("rating.submit", "comment", "x" * 501),
    ("rating.submit", "comment", 5),
    ("interaction.end", "category", "x" * 65),
    ("presence.set", "value", "busy"),
    ("presence.set", "value", None),
    ("interaction.transfer", "to_agent", "bad id!"),
    ("interaction.transfer", "note", "x" * 501),
    ("note.add", "text", "   "),
    ("note.add", "text", "x" * (MAX_CHARS + 1)),
    ("message.send", "attachment_id", "../etc"),
    ("message.send", "attachment_id", 5),
    ("bot.feedback", "seq", True),
    ("bot.feedback", "value", "meh"),
    ("leave.submit", "text", "x" * 1001),
    ("leave.submit", "contact", "x" * 65),
    ("form.send", "items", []),
    ("form.send", "items", ["申请表", "申请表"]),
    ("form.send", "items", ["x" * 101]),
    ("form.send", "items", [str(n) for n in range(21)]),
    ("form.send", "items", "申请表"),
    ("form.send", "title", "x" * 101),
    ("form.attach", "attachment_id", "../etc"),
    ("form.return", "reason", "  "),
    ("form.return", "reason", "x" * 501),
    ("form.done", "result", "x" * 1001),
]


def frame(kind, **fields):
    return json.dumps({"type": kind, **fields}, ensure_ascii=False)


def refused(raw, code, allowed=ALL, max_bytes=MAX_BYTES, max_chars=MAX_CHARS):
    with pytest.raises(ProtocolError) as excinfo:
        parse(raw, max_bytes, max_chars, allowed)
    assert excinfo.value.code == code
    assert excinfo.value.zh and excinfo.value.en
    return excinfo.value


def test_every_inbound_type_has_a_valid_example():
    assert set(VALID) == set(INBOUND)


@pytest.mark.parametrize("kind", sorted(INBOUND))
def test_valid_frame_is_accepted(kind):
    assert parse(frame(kind, **VALID[kind]), MAX_BYTES, MAX_CHARS, ALL) == {
        "type": kind,
        **VALID[kind],
    }


@pytest.mark.parametrize("kind", sorted(INBOUND))
def test_any_frame_may_carry_a_cid(kind):
    fields = {**VALID[kind], "cid": "ref-1"}
    assert parse(frame(kind, **fields), MAX_BYTES, MAX_CHARS, ALL)["cid"] == "ref-1"


@pytest.mark.parametrize(
    "kind, name",
    [
        (kind, name)
        for kind, schema in INBOUND.items()
        for name, (_, required) in schema.items()
        if required
    ],
)
def test_missing_required_field(kind, name):
    fields = {**VALID[kind], "cid": "ref-2"}
    fields.pop(name)
    error = refused(frame(kind, **fields), "bad_field")
    assert name in error.en and name in error.zh
    if name != "cid":
        assert error.detail == {"ref": "ref-2"}


@pytest.mark.parametrize(
    "kind, name",
    [
        (kind, name)
        for kind, schema in INBOUND.items()
        for name, (_, required) in schema.items()
        if not required
    ],
)
def test_optional_field_may_be_left_out(kind, name):
    fields = dict(VALID[kind])
    fields.pop(name, None)
    assert name not in parse(frame(kind, **fields), MAX_BYTES, MAX_CHARS, ALL)


@pytest.mark.parametrize("kind", sorted(INBOUND))
def test_unexpected_field(kind):
    error = refused(frame(kind, **{**VALID[kind], "cid": "r3", "admin": True}), "bad_field")
    assert "admin" in error.en
    assert error.detail == {"ref": "r3"}


@pytest.mark.parametrize(
    "kind, name, value", WRONG, ids=[f"{k}.{n}={v!r}"[:60] for k, n, v in WRONG]
)
def test_wrong_value(kind, name, value):
    error = refused(frame(kind, **{**VALID[kind], name: value}), "bad_field")
    assert name in error.en


@pytest.mark.parametrize("kind", ["bot.ask", "leave.submit"])
@pytest.mark.parametrize("text", ["", " ", "\n\t　 "])
def test_empty_or_blank_text(kind, text):
    error = refused(frame(kind, **{**VALID[kind], "text": text}), "bad_field")
    assert error.detail == {"ref": VALID[kind]["cid"]}


@pytest.mark.parametrize("text", ["", None])
def test_message_text_may_be_empty_when_an_attachment_carries_it(text):
    fields = {**VALID["message.send"], "text": text}  # the service refuses a message with neither
    assert parse(frame("message.send", **fields), MAX_BYTES, MAX_CHARS, ALL)["text"] == ""


@pytest.mark.parametrize("kind", ["bot.ask", "message.send"])
def test_text_length_is_counted_in_characters_after_stripping(kind):
    exact = "税" * MAX_CHARS
    assert (
        parse(frame(kind, **{**VALID[kind], "text": f"  {exact}\n"}), MAX_BYTES, MAX_CHARS, ALL)[
            "text"
        ]
        == exact
    )
    refused(frame(kind, **{**VALID[kind], "text": exact + "税"}), "bad_field")


def test_configured_text_limit_applies_only_to_chat_text():
    long_token = "t" * 1000  # auth tokens have their own fixed limit, not MAX_MESSAGE_CHARS
    assert (
        parse(frame("auth.hello", token=long_token), MAX_BYTES, MAX_CHARS, ALL)["token"]
        == long_token
    )


def test_size_limit_counts_utf8_bytes():
    overhead = len(frame("bot.ask", cid="c1", text="").encode())
    fits = frame("bot.ask", cid="c1", text="税" * ((MAX_BYTES - overhead) // 3))
    assert len(fits.encode()) <= MAX_BYTES < len(fits) * 3
    parse(fits, MAX_BYTES, 10_000, ALL)
    too_big = frame("bot.ask", cid="c1", text="税" * ((MAX_BYTES - overhead) // 3 + 1))
    assert len(too_big) < MAX_BYTES < len(too_big.encode())  # only the byte count exceeds the limit
    error = refused(too_big, "frame_too_large", max_chars=10_000)
    assert str(MAX_BYTES) in error.en and "ref" not in error.detail


def test_frame_of_exactly_max_bytes_is_accepted():
    raw = frame("ping", cid="c1")
    assert parse(raw, len(raw.encode()), MAX_CHARS, ALL) == {"type": "ping", "cid": "c1"}
    refused(raw, "frame_too_large", max_bytes=len(raw.encode()) - 1)


@pytest.mark.parametrize("raw", [b'{"type": "ping"}', b"\x00\x01"])
def test_binary_frame(raw):
    refused(raw, "binary_frame")


@pytest.mark.parametrize("raw", ["", "{", "{'type': 'ping'}", '{"type": "ping",}', "ping", "NaN]"])
def test_bad_json(raw):
    assert refused(raw, "bad_json").detail == {}


@pytest.mark.parametrize(
    "raw",
    [
        '{"type": "ping", "n": NaN}',  # not JSON, though Python's own parser takes it
        '{"type": "ping", "n": Infinity}',
        '{"type": "ping", "s": "\\ud800"}',  # half a surrogate pair: no character at all
    ],
)
def test_what_only_a_lenient_parser_takes_is_bad_json(raw):
    assert refused(raw, "bad_json").detail == {}


def test_frames_are_encoded_compact_with_chinese_as_it_is_and_any_key_as_text():
    from widget.protocol import encode

    assert encode({"type": "reply", "text": "红冲", "n": [1, 2.5, None, True]}) == (
        '{"type":"reply","text":"红冲","n":[1,2.5,null,true]}'
    )
    assert encode({"positions": {3: "a"}}) == '{"positions":{"3":"a"}}'


@pytest.mark.parametrize(
    "raw",
    [
        "[]",
        '["ping"]',
        '"ping"',
        "42",
        "null",
        "true",
        "{}",
        '{"type": 5}',
        '{"type": null, "cid": "c1"}',
        '{"cid": "c1"}',
    ],
)
def test_not_an_object_with_a_type(raw):
    refused(raw, "bad_frame")


@pytest.mark.parametrize("kind", ["message.delete", "", "PING", "auth.hello ", "x" * 200])
def test_unknown_type(kind):
    error = refused(frame(kind, cid="c1"), "unknown_type")
    assert error.detail == {"ref": "c1"}
    assert kind[:40] in error.en and len(error.en) < 100


def test_unknown_type_without_cid_has_no_ref():
    assert "ref" not in error_frame(refused(frame("nope"), "unknown_type"))


@pytest.mark.parametrize("kind", sorted(set(INBOUND) - AUTH_TYPES))
def test_type_outside_the_allowed_set(kind):
    error = refused(frame(kind, **{**VALID[kind], "cid": "c9"}), "unknown_type", allowed=AUTH_TYPES)
    assert error.detail == {"ref": "c9"}


def test_allowed_set_admits_its_types():
    assert (
        parse(frame("auth.resume", **VALID["auth.resume"]), MAX_BYTES, MAX_CHARS, AUTH_TYPES)[
            "type"
        ]
        == "auth.resume"
    )


def test_non_string_cid_is_not_echoed_as_ref():
    assert "ref" not in error_frame(refused(frame("ping", cid=12), "bad_field"))


def test_tags_are_deduplicated_and_sorted():
    fields = {**VALID["rating.submit"], "tags": ["慢", "快", "慢", "b", "a"]}
    assert parse(frame("rating.submit", **fields), MAX_BYTES, MAX_CHARS, ALL)["tags"] == [
        "a",
        "b",
        "快",
        "慢",
    ]


@pytest.mark.parametrize("value, expected", [("", ""), (None, ""), ("  好  ", "好")])
def test_optional_text_is_blank_or_stripped(value, expected):
    fields = {**VALID["rating.submit"], "comment": value}
    assert parse(frame("rating.submit", **fields), MAX_BYTES, MAX_CHARS, ALL)["comment"] == expected


# -- outbound ------------------------------------------------------------------------------------


def test_error_frame_shape_with_ref_from_detail():
    error = ProtocolError("bad_field.missing", {"ref": "c1"}, name="text")
    assert error_frame(error) == {
        "type": "error",
        "code": "bad_field",
        "zh": "缺少字段：text",
        "en": "Missing field: text",
        "ref": "c1",
    }


def test_error_frame_explicit_ref_and_other_detail():
    out = error_frame(RateLimited(2.345), ref="c7")
    assert out == {
        "type": "error",
        "code": "rate_limited",
        "zh": RateLimited().zh,
        "en": RateLimited().en,
        "ref": "c7",
        "detail": {"retry_after": 2.3},
    }


def test_error_frame_ref_given_twice_appears_once():
    # the WS handler passes the frame's cid while a service error may carry the same ref in its
    # detail
    out = error_frame(ProtocolError("bad_field.empty_message", {"ref": "c1"}), ref="c1")
    assert out == {
        "type": "error",
        "code": "bad_field",
        "zh": "消息内容不能为空。",
        "en": "A message needs text or an attachment.",
        "ref": "c1",
    }


def test_error_frame_without_ref_or_detail():
    out = error_frame(ZhengnaError("centre_closed", next_zh="明天 09:00 开始服务。", next_en="x"))
    assert out == {
        "type": "error",
        "code": "centre_closed",
        "zh": "当前不在人工服务时间。明天 09:00 开始服务。",
        "en": "Human service is closed now. x",
    }


def test_error_frame_does_not_change_the_error():
    error = ProtocolError("bad_field.missing", {"ref": "c1"}, name="text")
    first = error_frame(error)
    assert error.detail == {"ref": "c1"}
    assert error_frame(error) == first


def test_event_frame_spreads_payload_and_stamps():
    at = datetime(2026, 11, 26, 1, 2, 3, tzinfo=UTC)
    row = {
        "type": "message.new",
        "interaction_id": "ix1",
        "seq": 4,
        "created_at": at,
        "actor_role": "agent",
        "actor_id": "ag-1",
        "payload": {"message": {"body": "您好"}},
    }
    out = event_frame(row)
    assert out == {
        "type": "message.new",
        "interaction_id": "ix1",
        "seq": 4,
        "at": "2026-11-26T01:02:03+00:00",
        "actor": {"role": "agent", "id": "ag-1"},
        "message": {"body": "您好"},
    }
    assert json.loads(encode(out)) == out
    assert "您好" in encode(out) and ", " not in encode(out)


def test_message_view_shows_clients_what_they_may_see_of_a_stored_message():
    stored = {
        "id": "m1",
        "interaction_id": "ix1",
        "seq": 7,
        "cid": "c1",
        "sender_role": "agent",
        "sender_id": "ag-1",
        "sender_name": "税务员",
        "kind": "text",
        "body": "附件已收到。",
        "attachment_id": "a1",
        "attachment": {"id": "a1", "name": "发票.pdf", "size": 1024},
        "created_at": datetime(2026, 11, 26, 1, 2, 3, tzinfo=UTC),
    }
    assert message_view(stored) == {
        "id": "m1",
        "cid": "c1",
        "from": "agent",
        "sender": "税务员",
        "kind": "text",
        "body": "附件已收到。",
        "attachment": {"id": "a1", "name": "发票.pdf", "size": 1024},
    }
    bot = {"id": "m2", "sender_role": "bot", "kind": "answer", "body": "请登录电子税务局。"}
    assert message_view(bot) == {
        "id": "m2",
        "cid": None,
        "from": "bot",
        "sender": "",
        "kind": "answer",
        "body": "请登录电子税务局。",
        "attachment": None,
    }


@pytest.mark.parametrize("raw", ["[" * 20000, '{"a":' * 20000, "[" * 20000 + "]" * 20000])
def test_deep_nesting_is_bad_json_not_a_crash(raw):
    with pytest.raises(ProtocolError) as error:
        parse(raw, 10**6, MAX_CHARS, AUTH_TYPES)
    assert error.value.code == "bad_json"
