"""Site secrets sealed at rest (widget.sitekeys) and where their key comes from (config)."""

import pytest
from cryptography.fernet import Fernet

from widget import config
from widget.sitekeys import SiteKeyBox


def test_seal_and_open():
    box = SiteKeyBox(Fernet.generate_key().decode())
    sealed = box.seal("the-site-secret")
    assert sealed.startswith("fernet:") and "the-site-secret" not in sealed
    assert box.open(sealed) == "the-site-secret"
    assert box.seal(sealed) == sealed, "sealing twice changes nothing"
    assert box.open("plain-from-before") == "plain-from-before"


def test_another_key_cannot_open():
    sealed = SiteKeyBox(Fernet.generate_key().decode()).seal("s")
    with pytest.raises(ValueError, match="another SITE_KEYS_KEY"):
        SiteKeyBox(Fernet.generate_key().decode()).open(sealed)


def test_a_malformed_key_is_named():
    with pytest.raises(ValueError, match="SITE_KEYS_KEY must be a Fernet key"):
        SiteKeyBox("too-short")


def test_the_embedded_default_generates_one_kept_0600(tmp_path):
    settings = config.load({"DATA_DIR": str(tmp_path)}, environ={})
    first = config.site_keys_key(settings)
    assert config.site_keys_key(settings) == first
    assert (tmp_path / "site_keys_key").stat().st_mode & 0o777 == 0o600
    SiteKeyBox(first)


def test_a_shared_database_needs_a_configured_key(tmp_path):
    from widget import config

    settings = config.load(
        {"DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://u@db/z"}, environ={}
    )
    try:
        config.site_keys_key(settings)
    except ValueError as exc:
        assert "SITE_KEYS_KEY" in str(exc)
    else:
        raise AssertionError("a shared database started without SITE_KEYS_KEY")
    key_file = tmp_path / "key"
    key_file.write_text("k" * 44)
    key_file.chmod(0o644)
    settings = dict(settings, SITE_KEYS_KEY_FILE=str(key_file))
    try:
        config.site_keys_key(settings)
    except ValueError as exc:
        assert "readable by others" in str(exc)
    else:
        raise AssertionError("a world-readable key file was accepted")
    key_file.chmod(0o600)
    assert config.site_keys_key(settings) == "k" * 44
