"""The aiortc internals forward mode hooks, and the loud fallback when they are missing."""

from rtc import __main__ as worker_main
from rtc import hooks
from rtc.config import Settings, parse


def test_installed_aiortc_has_every_hook():
    assert hooks.check_internals() == []


def test_missing_hooks_fall_back_to_decode_mode_loudly(monkeypatch, capsys):
    monkeypatch.setattr(
        hooks, "check_internals", lambda: ["RTCRtpReceiver._RTCRtpReceiver__decoder_queue"]
    )
    settings = Settings(mode="forward")
    worker_main.choose_mode(settings)
    assert settings.mode == "decode"
    err = capsys.readouterr().err
    assert "WARNING" in err and "decode mode" in err and "__decoder_queue" in err


def test_options_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ZHENGNA_RTC_LISTEN", "127.0.0.1:8765")
    monkeypatch.setenv("ZHENGNA_RTC_SECRET", "s3")
    monkeypatch.setenv("ZHENGNA_RTC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ZHENGNA_RTC_MODE", "decode")
    monkeypatch.setenv("ZHENGNA_RTC_LOOPBACK_ONLY", "1")
    monkeypatch.setenv("ZHENGNA_RTC_DROP_RATE", "0.05")
    monkeypatch.setenv("ZHENGNA_RTC_ICE_SERVERS", '[{"urls": "stun:stun.example:3478"}]')
    s = parse([])
    assert (s.host, s.port, s.secret, s.mode, s.loopback_only, s.drop_rate) == (
        "127.0.0.1",
        8765,
        "s3",
        "decode",
        True,
        0.05,
    )
    assert s.ice_servers[0].urls == "stun:stun.example:3478"
    assert parse(["--mode", "forward", "--drop-rate", "0"]).mode == "forward"
