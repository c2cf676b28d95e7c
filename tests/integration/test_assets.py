"""The static files as served (assets.py): each script the same program as its file in static/js
(parsed by espree, eslint's parser, and compared) and lighter; scripts and style sheets gzipped and
revalidated by their ETag; nothing outside static/ reachable."""

import gzip
import json
import shutil
import subprocess

import pytest
import requests

from tests.support import ROOT

STATIC_JS = ROOT / "static" / "js"
ESPREE = ROOT / "node_modules" / "espree" / "dist" / "espree.cjs"

# Prints, for each [written, served] pair of files, the written one's name when the two parse to
# different programs (positions, raw spellings and comments aside) or the served one does not parse.
SAME_PROGRAM = """
import fs from "node:fs";
import { createRequire } from "node:module";
const espree = createRequire(import.meta.url)(process.argv[2]);
const options = { ecmaVersion: "latest", sourceType: "module" };
const place = ["start", "end", "loc", "range", "raw"];
const noPlace = (key, value) => (place.includes(key) ? undefined : value);
const program = (file) =>
  JSON.stringify(espree.parse(fs.readFileSync(file, "utf8"), options), noPlace);
for (const [written, served] of JSON.parse(fs.readFileSync(process.argv[3], "utf8"))) {
  let same;
  try { same = program(written) === program(served); } catch (error) { same = false; }
  if (!same) console.log(written);
}
"""


def differing(pairs, tmp_path):
    """Return the written files of pairs [(written, served)] served as another program."""
    node = shutil.which("node")
    if node is None or not ESPREE.exists():
        pytest.fail(f"node and {ESPREE} are needed: install Node 20.19 or newer, then `npm ci`")
    script, listing = tmp_path / "same.mjs", tmp_path / "pairs.json"
    script.write_text(SAME_PROGRAM)
    listing.write_text(json.dumps([[str(a), str(b)] for a, b in pairs]))
    done = subprocess.run(
        [node, str(script), str(ESPREE), str(listing)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_every_script_is_served_as_the_same_program_lighter(server, tmp_path):
    pairs, written_bytes, served_bytes = [], 0, 0
    for path in sorted(STATIC_JS.rglob("*.js")):
        url = "/widget.js" if path == STATIC_JS / "widget.js" else "/" + str(path.relative_to(ROOT))
        response = requests.get(server.url + url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"].startswith("text/javascript")
        body = response.content
        assert b"@ts-check" not in body and b"/**" not in body, f"{url} keeps its comments"
        served = tmp_path / f"{len(pairs)}.js"
        served.write_bytes(body)
        pairs.append((path, served))
        written_bytes += path.stat().st_size
        served_bytes += len(body)
    assert len(pairs) > 40  # the widget's, the console's and the shared modules
    assert differing(pairs, tmp_path) == []
    assert served_bytes < 0.8 * written_bytes


def test_the_comparison_finds_another_program(tmp_path):
    written, served = tmp_path / "a.js", tmp_path / "b.js"
    written.write_text("// a comment\nlet total = 1\n;[total].forEach(show)\n")
    served.write_text("let total=1[total].forEach(show)")  # a lost line break, another program
    same = tmp_path / "c.js"
    same.write_text("let total=1;[total].forEach(show)")
    assert differing([(written, served), (written, same)], tmp_path) == [str(written)]


@pytest.mark.parametrize("path", ["/static/js/zn/app.js", "/widget.js", "/static/console.css"])
def test_scripts_and_styles_come_gzipped_and_a_browser_revalidates_with_the_etag(server, path):
    first = requests.get(server.url + path, headers={"Accept-Encoding": "gzip"}, stream=True)
    assert first.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in first.headers["Vary"]
    unpacked = gzip.decompress(first.raw.read())
    plain = requests.get(server.url + path, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.content == unpacked
    for answer, encoding in ((first, "gzip"), (plain, "identity")):
        again = requests.get(
            server.url + path,
            headers={"If-None-Match": answer.headers["ETag"], "Accept-Encoding": encoding},
        )
        assert again.status_code == 304 and again.content == b"", encoding
    if path == "/widget.js":
        assert "max-age=300" in first.headers["Cache-Control"]
        assert first.headers["Access-Control-Allow-Origin"] == "*"


def test_only_files_of_static_are_served(server):
    assert requests.get(server.url + "/static/js/zn/nothing.js").status_code == 404
    for escape in ("/static/..%2fserver.py", "/static/js/..%2f..%2fserver.py"):
        escaped = requests.get(server.url + escape)
        assert escaped.status_code == 404 and b"create_app" not in escaped.content
