"""The README's settings table is true to widget/config.py: every setting listed, every stated
default right."""

import re
from pathlib import Path

from widget.config import DEFAULTS

README = Path(__file__).resolve().parents[2] / "README.md"
INTERNAL = {"TESTING"}  # set by the test suite only, never by an operator


def _table():
    """Return {name: default cell} for the rows of the README's settings table."""
    rows = {}
    text = README.read_text(encoding="utf-8")
    table = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        names = re.findall(r"`([A-Z0-9_]+)`", cells[0])
        defaults = [d.strip() for d in cells[1].split(" / ")]
        for n, name in enumerate(names):
            rows[name] = defaults[n] if len(defaults) == len(names) else cells[1]
    return rows


def _number(cell):
    match = re.match(r"^([0-9][0-9,]*(?:\.[0-9]+)?)", cell.replace("`", ""))
    return float(match.group(1).replace(",", "")) if match else None


def test_every_setting_is_in_the_readme_table():
    missing = sorted(set(DEFAULTS) - INTERNAL - set(_table()))
    assert not missing, f"settings missing from README's table: {missing}"


def test_no_row_names_a_setting_that_does_not_exist():
    unknown = sorted(set(_table()) - set(DEFAULTS))
    assert not unknown, f"README's table lists settings config.py does not have: {unknown}"


def test_stated_numeric_defaults_match_the_code():
    wrong = {}
    for name, cell in _table().items():
        default = DEFAULTS.get(name)
        if isinstance(default, bool) or not isinstance(default, int | float):
            continue
        stated = _number(cell)
        if stated is not None and stated != float(default):
            wrong[name] = (cell, default)
    assert not wrong, f"README states other defaults than config.py: {wrong}"


def test_the_parser_reads_paired_rows():
    rows = _table()
    assert "MAX_FRAME_BYTES" in rows and "MAX_MESSAGE_CHARS" in rows
    assert _number("1,800 s") == 1800.0 and _number("`20`/s") == 20.0
