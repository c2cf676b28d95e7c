"""The JavaScript tools of package.json (eslint, prettier, tsc over static/js) report nothing,
and they are in force: a probe with a known fault is caught. `npm ci` in the root installs them."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "node_modules" / ".bin"
TIMEOUT = 300  # the whole lint took ~10 s on a shared 2-core machine; generous for a loaded one


def tool(name):
    """Return the path of an installed dev tool, or fail saying how to install it."""
    path = BIN / name
    if not path.exists():
        pytest.fail(
            f"{path} is missing: run `npm ci` in {ROOT} (Node 20.19 or newer) to install it"
        )
    return str(path)


def run(args, **kwargs):
    return subprocess.run(
        args, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False, **kwargs
    )


def test_npm_run_lint_reports_nothing():
    tool("eslint"), tool("prettier"), tool("tsc")
    npm = shutil.which("npm")
    assert npm, "npm is not on PATH: install Node 20.19 or newer"
    done = run([npm, "run", "--silent", "lint"])
    assert done.returncode == 0, f"npm run lint failed:\n{done.stdout}\n{done.stderr}"


def test_eslint_requires_ts_check_knows_only_browser_globals_and_refuses_html():
    probe = "const x = require('fs');\ndocument.body.innerHTML = x;\n"
    done = run(
        [tool("eslint"), "--stdin", "--stdin-filename", "static/js/zn/probe.js", "-f", "json"],
        input=probe,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    rules = {m["ruleId"] for m in json.loads(done.stdout)[0]["messages"]}
    assert rules == {"zhengna/ts-check", "no-undef", "no-restricted-properties"}, rules


def test_tsc_checks_the_files_that_opt_in(tmp_path):
    body = 'document.querySelector(".main").focus();\n'  # focus() is on HTMLElement, not Element
    (tmp_path / "opted_in.js").write_text("// @ts-check\n" + body)
    (tmp_path / "left_out.js").write_text(body)
    config = tmp_path / "tsconfig.json"
    config.write_text(
        json.dumps({"extends": str(ROOT / "jsconfig.json"), "include": [str(tmp_path / "*.js")]})
    )
    done = run([tool("tsc"), "-p", str(config)])
    assert done.returncode != 0
    assert "opted_in.js(2," in done.stdout and "TS2339" in done.stdout, done.stdout
    assert "left_out.js" not in done.stdout, done.stdout
