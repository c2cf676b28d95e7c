"""The contract between server and browsers is written once: close codes (protocol.CloseCode) and
errors (protocol.ERRORS) in widget/protocol.py, the browsers' copy in static/js/shared/codes.js.
These tests hold the two equal and look for literals that would bypass them."""

import ast
import json
import re
import subprocess
from pathlib import Path

import pytest

from widget.bot.thesaurus import MAX_TERM, ThesaurusError, validate
from widget.protocol import CODES, ERRORS, CloseCode, code_of

ROOT = Path(__file__).resolve().parents[2]
WIDGET = ROOT / "widget"
JS = ROOT / "static" / "js"
CODES_JS = JS / "shared" / "codes.js"
ALL_PYTHON = sorted(WIDGET.rglob("*.py"))
PYTHON_FILES = [p for p in ALL_PYTHON if p != WIDGET / "protocol.py"]  # where literals are refused
JS_FILES = sorted(p for p in JS.rglob("*.js") if p != CODES_JS)

ERROR_CLASSES = {"ZhengnaError", "ProtocolError", "AuthError"}


@pytest.fixture(scope="module")
def codes_js():
    """Return codes.js's exports as plain data, read by Node itself."""
    script = (
        f"import * as codes from {json.dumps(CODES_JS.as_uri())};"
        "console.log(JSON.stringify(codes));"
    )
    out = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    return json.loads(out)


def _relative(path):
    return path.relative_to(ROOT).as_posix()


# -- the two copies agree ------------------------------------------------------------------------


def test_close_codes_are_the_same_names_and_numbers_on_both_sides(codes_js):
    assert codes_js["CLOSE"] == {member.name: member.value for member in CloseCode}


def test_the_final_conversation_states_are_the_same_on_both_sides(codes_js):
    from widget.states import FINAL

    assert sorted(codes_js["FINAL_STATES"]) == sorted(state.value for state in FINAL)


def test_every_error_code_the_browsers_name_is_one_the_server_sends(codes_js):
    assert codes_js["ERROR"], "codes.js exports ERROR"
    for name, code in codes_js["ERROR"].items():
        assert code in CODES, f"ERROR.{name} = {code!r} is no code of protocol.ERRORS"
        assert name == code.upper(), f"ERROR.{name} is named after its code ({code.upper()})"


def test_the_browsers_own_codes_never_clash_with_the_server_codes(codes_js):
    local = set(codes_js["LOCAL_ERROR"].values())
    assert local and not local & CODES


def test_the_browsers_branch_only_on_codes_that_exist(codes_js):
    """A comparison with a code no one sends is dead code (as `bad_call_state` once was)."""
    known = CODES | set(codes_js["LOCAL_ERROR"].values())
    compared = re.compile(r"""\.code\s*[!=]==?\s*["']([a-z_]+)["']""")
    unknown = [
        f"{_relative(path)}: {code}"
        for path in JS_FILES
        for code in compared.findall(path.read_text(encoding="utf-8"))
        if code not in known
    ]
    assert not unknown


# -- the catalogue ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(ERRORS))
def test_each_entry_is_bilingual_with_a_client_error_status(key):
    entry = ERRORS[key]
    assert re.fullmatch(r"[a-z][a-z_]*(\.[a-z_]+)?", key)
    assert re.search(r"[\u4e00-\u9fff]", entry.zh), "the Chinese text is Chinese"
    assert entry.en and not re.search(r"[\u4e00-\u9fff]", entry.en.format_map(_Blank()))
    assert 400 <= entry.status < 500
    assert entry.close is None or entry.close in CloseCode


class _Blank(dict):
    def __missing__(self, key):
        return ""


def test_one_code_closes_the_socket_with_one_close_code():
    closes = {}
    for key, entry in ERRORS.items():
        if entry.close is not None:
            closes.setdefault(code_of(key), set()).add(entry.close)
    assert closes and all(len(found) == 1 for found in closes.values()), closes


def test_the_thesaurus_errors_say_what_the_catalogue_says():
    """widget/bot/thesaurus.py raises its codes with its own copy of the texts (the bot's own
    module); the service shows the catalogue's, which must read the same."""
    bad_pairs = (("", "x"), ("甲" * (MAX_TERM + 1), "乙"), ("a\tb", "c"), ("同", "同"))
    for variant, canonical in bad_pairs:
        with pytest.raises(ThesaurusError) as caught:
            validate(variant, canonical)
        entry, error = ERRORS[caught.value.code], caught.value
        assert (entry.zh.format(max=MAX_TERM), entry.en.format(max=MAX_TERM)) == (
            error.zh,
            error.en,
        )


# -- nothing bypasses them -------------------------------------------------------------------------


def _calls(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ERROR_CLASSES:
            yield node


def test_every_raised_key_exists_and_gets_exactly_the_fields_its_texts_use():
    problems, raised = [], 0
    for path in ALL_PYTHON:
        for call in _calls(path):
            if not call.args:
                continue  # a subclass passing its own arguments on (errors.py)
            where = f"{_relative(path)}:{call.lineno}"
            key = call.args[0]
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue  # a key chosen at run time: thesaurus codes, RoleRefused
            raised += 1
            entry = ERRORS.get(key.value)
            if entry is None:
                problems.append(f"{where}: no entry {key.value!r}")
                continue
            if len(call.args) > 2 or any(
                isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args[1:]
            ):
                problems.append(f"{where}: texts are passed, not taken from the catalogue")
            fields = {kw.arg for kw in call.keywords if kw.arg != "detail"}
            if fields != entry.fields():
                problems.append(f"{where}: fields {sorted(fields)}, texts use {entry.fields()}")
            if call.func.id == "AuthError" and entry.close is None:
                problems.append(f"{where}: {key.value} closes the socket but names no close code")
    assert raised > 100 and not problems, problems


def _strings(path):
    """Return the string constants of a module, leaving out the catalogue itself."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = {
        id(node.value)
        for node in tree.body
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "ERRORS"
    }
    found, todo = set(), [tree]
    while todo:
        node = todo.pop()
        if id(node) in skip:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)
        todo.extend(ast.iter_child_nodes(node))
    return found


def test_every_entry_is_raised_somewhere():
    used = set().union(*(_strings(path) for path in ALL_PYTHON))
    assert not [key for key in ERRORS if key not in used]


NUMBERS = "|".join(str(c.value) for c in CloseCode if c is not CloseCode.NORMAL)
CLOSE_NUMBER = re.compile(rf"\b({NUMBERS})\b")


def test_no_close_code_is_spelled_as_a_number():
    found = [
        f"{_relative(path)}:{n}: {line.strip()}"
        for path in PYTHON_FILES + JS_FILES
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CLOSE_NUMBER.search(line)
    ]
    assert not found


INLINE_TEXT = re.compile(r"""(\bzh\s*=\s*|["']zh["']\s*:\s*)[rfu]?["']""")
ERROR_DICT = re.compile(r"""["']type["']\s*:\s*["']error["']""")


def test_no_error_text_or_error_frame_is_written_outside_the_catalogue():
    found = [
        f"{_relative(path)}:{n}: {line.strip()}"
        for path in PYTHON_FILES
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if INLINE_TEXT.search(line) or ERROR_DICT.search(line)
    ]
    assert not found


@pytest.mark.parametrize(
    "line",
    [
        'body = {"code": "x", "zh": "文件过大。"}',
        "raise Thing(zh='不行')",
        'frame = {"type": "error", "code": "x"}',
        "conn.close(4005)",
        "if (code === 1012) retry();",
    ],
)
def test_the_literal_searches_catch_what_they_look_for(line):
    assert INLINE_TEXT.search(line) or ERROR_DICT.search(line) or CLOSE_NUMBER.search(line)
