"""The data dir is this account's only: 0700 directories and 0600 files (older ones tightened at
start), and the sites' signing secrets encrypted at rest with SITE_KEYS_KEY (older ones
migrated)."""

import io
import sqlite3
import stat
from datetime import UTC, datetime

import requests
from PIL import Image

from tests.support import LIMITS, ServerProcess, taxpayer


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def _raw_secrets(data_dir):
    with sqlite3.connect(data_dir / "zhengna.db") as db:
        return dict(db.execute("SELECT kid, secret FROM site_keys").fetchall())


def test_a_fresh_data_dir_is_private_and_its_site_keys_sealed(tmp_path, person):
    data = tmp_path / "data"
    server = ServerProcess(data, env=LIMITS)
    try:
        tp, hello = taxpayer(server, person(), region="4402")
        iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
        png = io.BytesIO()
        Image.new("RGB", (8, 8)).save(png, "PNG")
        uploaded = requests.post(
            server.url + "/api/attachments",
            data={"interaction_id": iid},
            files={"file": ("a.png", png.getvalue())},
            headers={"Authorization": f"Bearer {hello['credential']}"},
        )
        assert uploaded.status_code == 201
        tp.close()
        assert _mode(data) == 0o700 and _mode(data / "attachments") == 0o700
        for name in ("zhengna.db", "secret_key", "site_keys_key"):
            assert _mode(data / name) == 0o600, name
        assert all(_mode(f) == 0o600 for f in (data / "attachments").iterdir())
        stored = _raw_secrets(data)["demo-1"]
        assert stored.startswith("fernet:")
        assert server.store().directory.site_keys("demo")[0]["secret"] not in stored
    finally:
        server.stop()


def test_an_older_data_dir_is_tightened_and_its_secrets_migrated(tmp_path, person):
    from widget import config
    from widget.store import Store

    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    old = Store(config.database_url(config.load({"DATA_DIR": str(data)}, environ={})))
    old.migrate()
    now = datetime.now(UTC)
    old.directory.put_site(
        {
            "id": "demo",
            "name": "旧站点",
            "token_lifetime": 600,
            "created_at": now,
            "allowed_origins": ["http://127.0.0.1:*"],
        },
        keys=[
            {
                "kid": "demo-1",
                "secret": "a-plain-old-secret-of-the-site",
                "active": True,
                "created_at": now,
            }
        ],
    )
    old.dispose()
    (data / "zhengna.db").chmod(0o644)
    assert _raw_secrets(data)["demo-1"] == "a-plain-old-secret-of-the-site"
    server = ServerProcess(data, env=LIMITS)
    try:
        assert _mode(data) == 0o700 and _mode(data / "zhengna.db") == 0o600
        assert _raw_secrets(data)["demo-1"].startswith("fernet:")
        client, ok = taxpayer(server, person())  # the host's tokens, signed as before, still pass
        assert ok["credential"]
        client.close()
    finally:
        server.stop()
