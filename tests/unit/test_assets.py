"""assets.py: a file is minified and gzipped once, and again when it changes."""

from widget import assets


def test_a_changed_file_is_served_anew(tmp_path):
    path = tmp_path / "m.js"
    path.write_text("/** a comment */\nexport const answer = 41;\n")
    first = assets.served(str(path))
    assert first.body == b"export const answer=41;"
    assert assets.served(str(path)) is first  # unchanged: from memory
    path.write_text("export const answer = 42; // now right\n")
    second = assets.served(str(path))
    assert second.body == b"export const answer=42;" and second.etag != first.etag
