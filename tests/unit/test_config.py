"""Settings: defaults, ZHENGNA_* environment coercion, overrides, validation, database URL and
secret key."""

import os
import stat
from pathlib import Path

import pytest

from widget.config import DEFAULTS, ZERO_MEANS_OFF, database_url, ice_servers, load, secret_key


def test_defaults_without_environment():
    config = load(environ={})
    assert config == DEFAULTS
    assert config is not DEFAULTS
    assert (
        config["SQLITE_SYNCHRONOUS"] == "FULL" and config["IDLE_WARNING"] < config["IDLE_TIMEOUT"]
    )


def test_unrelated_and_unknown_variables_are_ignored():
    config = load(
        environ={"QUEUE_TIMEOUT": "5", "ZHENGNA_NO_SUCH_SETTING": "1", "zhengna_demo": "1"}
    )
    assert config == DEFAULTS and "NO_SUCH_SETTING" not in config


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        (" on ", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("", False),
    ],
)
def test_bool_from_environment(raw, expected):
    assert load(environ={"ZHENGNA_DEMO": raw})["DEMO"] is expected
    assert load(environ={"ZHENGNA_TESTING": raw})["TESTING"] is expected


@pytest.mark.parametrize(
    "key, raw, expected",
    [
        ("SYNC_BATCH", "50", 50),
        ("MAX_FRAME_BYTES", " 4096 ", 4096),
        ("RECORDING_RETENTION_DAYS", "30", 30),
        ("QUEUE_TIMEOUT", "1", 1.0),
        ("RING_TIMEOUT", "2.5", 2.5),
        ("SWEEP_INTERVAL", "0.05", 0.05),
        ("WS_RATE", "1e2", 100.0),
    ],
)
def test_numbers_from_environment(key, raw, expected):
    value = load(environ={f"ZHENGNA_{key}": raw})[key]
    assert value == expected and type(value) is type(DEFAULTS[key])


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("10.0.0.0/8", ["10.0.0.0/8"]),
        ("10.0.0.0/8, 127.0.0.1,,", ["10.0.0.0/8", "127.0.0.1"]),
        ("", []),
        (" , ", []),
    ],
)
def test_lists_from_environment(raw, expected):
    assert load(environ={"ZHENGNA_TRUSTED_PROXIES": raw})["TRUSTED_PROXIES"] == expected
    assert load(environ={"ZHENGNA_CONSOLE_ORIGINS": raw})["CONSOLE_ORIGINS"] == expected


def test_strings_from_environment_are_kept_as_given():
    config = load(
        environ={
            "ZHENGNA_DATABASE_URL": "postgresql://u@db/z",
            "ZHENGNA_SQLITE_SYNCHRONOUS": "normal",
            "ZHENGNA_HTTP_RATE_LIMIT": "5 per second",
        }
    )
    assert (config["DATABASE_URL"], config["SQLITE_SYNCHRONOUS"], config["HTTP_RATE_LIMIT"]) == (
        "postgresql://u@db/z",
        "normal",
        "5 per second",
    )


def test_overrides_win_over_environment():
    environ = {"ZHENGNA_QUEUE_TIMEOUT": "5", "ZHENGNA_DEMO": "1", "ZHENGNA_DATA_DIR": "/env"}
    config = load({"QUEUE_TIMEOUT": 7.0, "DEMO": False, "DATA_DIR": "/override"}, environ=environ)
    assert (config["QUEUE_TIMEOUT"], config["DEMO"], config["DATA_DIR"]) == (
        7.0,
        False,
        "/override",
    )


def test_environment_applies_where_overrides_are_silent():
    config = load({"DEMO": True}, environ={"ZHENGNA_QUEUE_TIMEOUT": "5"})
    assert (config["QUEUE_TIMEOUT"], config["DEMO"]) == (5.0, True)


@pytest.mark.parametrize(
    "key, raw",
    [
        ("QUEUE_TIMEOUT", "soon"),
        ("SYNC_BATCH", "1.5"),
        ("SYNC_BATCH", ""),
        ("RECORDING_RETENTION_DAYS", "ten"),
        ("IDLE_TIMEOUT", "1,5"),
    ],
)
def test_non_number_in_environment(key, raw):
    with pytest.raises(ValueError, match=f"ZHENGNA_{key}"):
        load(environ={f"ZHENGNA_{key}": raw})


NUMBERS = [
    key
    for key, value in DEFAULTS.items()
    if isinstance(value, (int, float)) and not isinstance(value, bool)
]


@pytest.mark.parametrize(
    "key,value",
    [(key, -1) for key in NUMBERS] + [(key, 0) for key in NUMBERS if key not in ZERO_MEANS_OFF],
)
def test_numbers_must_be_positive(key, value):
    with pytest.raises(ValueError, match=key):
        load({key: value}, environ={})
    with pytest.raises(ValueError, match=key):
        load(environ={f"ZHENGNA_{key}": str(value)})


def test_rtc_port_zero_means_any_free_port():
    assert load({"RTC_PORT": 0}, environ={})["RTC_PORT"] == 0


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"RTC": "sometimes"}, "RTC must be"),
        ({"RTC": "external"}, "RTC=external needs RTC_SECRET"),
        ({"RTC_ICE_SERVERS": "stun:stun.example.org"}, "RTC_ICE_SERVERS must be a JSON list"),
        (
            {"RTC_ICE_SERVERS": '[{"url": "stun:stun.example.org"}]'},
            "RTC_ICE_SERVERS must be a JSON list of",
        ),
        (
            {"RTC_ICE_SERVERS": '[{"urls": "turn:t.example.org", "password": "x"}]'},
            "RTC_ICE_SERVERS must be a JSON list of",
        ),
        ({"RTC_WORKERS": 0}, "RTC_WORKERS"),
    ],
)
def test_media_worker_settings(overrides, message):
    with pytest.raises(ValueError, match=message):
        load(overrides, environ={})


def test_external_workers_may_all_register_themselves():
    config = load({"RTC": "external", "RTC_SECRET": "s"}, environ={})
    assert config["RTC_URL"] == ""


def test_ice_servers_reach_the_browsers_as_configured():
    servers = (
        '[{"urls": ["stun:stun.example.org"]},'
        ' {"urls": "turn:t.example.org", "username": "u", "credential": "c"}]'
    )
    config = load({"RTC_ICE_SERVERS": servers}, environ={})
    assert ice_servers(config) == [
        {"urls": ["stun:stun.example.org"]},
        {"urls": "turn:t.example.org", "username": "u", "credential": "c"},
    ]
    assert ice_servers(load(environ={})) == []


@pytest.mark.parametrize("value", ["30", None, [1]])
def test_numbers_must_be_numbers(value):
    with pytest.raises(ValueError, match="RING_TIMEOUT"):
        load({"RING_TIMEOUT": value}, environ={})


@pytest.mark.parametrize("warning, timeout", [(900.0, 900.0), (901.0, 900.0), (10.0, 5.0)])
def test_idle_warning_must_come_before_idle_timeout(warning, timeout):
    with pytest.raises(ValueError, match="IDLE_WARNING"):
        load({"IDLE_WARNING": warning, "IDLE_TIMEOUT": timeout}, environ={})


def test_idle_warning_just_before_idle_timeout_is_fine():
    assert (
        load(environ={"ZHENGNA_IDLE_WARNING": "4", "ZHENGNA_IDLE_TIMEOUT": "5"})["IDLE_WARNING"]
        == 4.0
    )


@pytest.mark.parametrize("value", ["LOW", "", "FULL; DROP TABLE x", "2"])
def test_bad_sqlite_synchronous(value):
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS"):
        load({"SQLITE_SYNCHRONOUS": value}, environ={})


@pytest.mark.parametrize("value", ["OFF", "normal", "Full", "EXTRA"])
def test_good_sqlite_synchronous(value):
    assert load(environ={"ZHENGNA_SQLITE_SYNCHRONOUS": value})["SQLITE_SYNCHRONOUS"] == value


# -- database URL and secret key -------------------------------------------------------------------


def test_default_database_is_sqlite_in_the_data_dir(tmp_path):
    config = load({"DATA_DIR": str(tmp_path / "data")}, environ={})
    assert database_url(config) == f"sqlite:///{tmp_path / 'data' / 'zhengna.db'}"


def test_relative_data_dir_becomes_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = database_url(load({"DATA_DIR": "var"}, environ={}))
    assert url == f"sqlite:///{tmp_path.resolve() / 'var' / 'zhengna.db'}"
    assert Path(url[len("sqlite:///") :]).is_absolute()


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgresql://zn:pw@db:5432/zhengna", "postgresql+psycopg://zn:pw@db:5432/zhengna"),
        ("postgresql+psycopg://zn@db/zhengna", "postgresql+psycopg://zn@db/zhengna"),
        ("sqlite:////srv/z.db", "sqlite:////srv/z.db"),
    ],
)
def test_configured_database_url(given, expected):
    assert database_url(load(environ={"ZHENGNA_DATABASE_URL": given})) == expected


def test_configured_secret_key_is_used_as_is(tmp_path):
    config = load({"SECRET_KEY": "configured", "DATA_DIR": str(tmp_path)}, environ={})
    assert secret_key(config) == "configured"
    assert not (tmp_path / "secret_key").exists()


def test_secret_key_is_generated_once_private_and_stable(tmp_path):
    config = load({"DATA_DIR": str(tmp_path / "new" / "dir")}, environ={})
    first = secret_key(config)
    path = tmp_path / "new" / "dir" / "secret_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(first) == 64 and int(first, 16) >= 0
    assert secret_key(config) == secret_key(dict(config)) == first == path.read_text().strip()


def test_secret_keys_differ_between_data_dirs(tmp_path):
    one = secret_key(load({"DATA_DIR": str(tmp_path / "a")}, environ={}))
    two = secret_key(load({"DATA_DIR": str(tmp_path / "b")}, environ={}))
    assert one != two


def test_existing_secret_key_file_is_read_not_replaced(tmp_path):
    (tmp_path / "secret_key").write_text("kept-from-before\n")
    assert secret_key(load({"DATA_DIR": str(tmp_path)}, environ={})) == "kept-from-before"


@pytest.mark.parametrize("value", [0, 61, 2.5, "5"])
def test_followup_days_must_be_whole_working_days(value):
    with pytest.raises(ValueError, match="FOLLOWUP_DAYS"):
        load({"FOLLOWUP_DAYS": value}, environ={})


def test_followup_days_from_environment():
    assert load(environ={"ZHENGNA_FOLLOWUP_DAYS": "10"})["FOLLOWUP_DAYS"] == 10
