"""Queue wait estimates and the centre-hours gate, on a SQLite store and an injected clock."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from widget.errors import ZhengnaError
from widget.hours import HolidayCalendar
from widget.routing import ALL_DAY, NEVER, Router, estimate_wait
from widget.store import Store

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
OFFICE = [["08:30", "12:00"], ["13:30", "17:30"]]
WEEKDAYS = {
    "weekly": {day: OFFICE for day in ("mon", "tue", "wed", "thu", "fri")},
    "observe_holidays": True,
}


@pytest.mark.parametrize(
    "position, agents, handle, expected",
    [
        (1, 1, 300, 300),
        (2, 1, 300, 600),
        (5, 1, 60.0, 300),
        # nobody online is quoted as one agent, never a division by zero or an instant answer
        (1, 0, 300, 300),
        (3, 0, 300, 900),
        (2, -1, 300, 600),
        # agents free up in waves: positions 1..n wait one handle time, n+1..2n two
        (1, 3, 300, 300),
        (3, 3, 300, 300),
        (4, 3, 300, 600),
        (6, 3, 300, 600),
        (7, 3, 300, 900),
        (1, 10, 300, 300),
        (10, 10, 300, 300),
        (11, 10, 300, 600),
    ],
)
def test_estimate_wait(position, agents, handle, expected):
    wait = estimate_wait(position, agents, handle)
    assert wait == expected and isinstance(wait, int)


def test_estimate_wait_never_shrinks_further_back_in_the_queue():
    for agents in range(0, 6):
        waits = [estimate_wait(position, agents, 300) for position in range(1, 30)]
        assert waits == sorted(waits)


@pytest.fixture(scope="module")
def calendar():
    return HolidayCalendar.load()


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    store.migrate()
    for centre_id, schedule in (("always", ALL_DAY), ("never", NEVER), ("office", WEEKDAYS)):
        store.directory.put_centre(
            {"id": centre_id, "name": centre_id, "schedule": schedule, "created_at": T0}
        )
    store.directory.put_site(
        {
            "id": "demo",
            "name": "演示",
            "token_lifetime": 600,
            "created_at": T0,
            "allowed_origins": [],
        }
    )
    store.directory.put_region(
        {
            "code": "4401",
            "site_id": "demo",
            "name": "广州",
            "centre_id": "office",
            "smart_service": True,
        }
    )
    yield store
    store.dispose()


def router(store, calendar, when):
    return Router(store, lambda: when, shipped=calendar)


def closed(store, calendar, centre_id, when):
    with pytest.raises(ZhengnaError) as excinfo:
        router(store, calendar, when).require_open(centre_id)
    error = excinfo.value
    assert error.code == "centre_closed"
    assert error.zh.startswith("当前不在人工服务时间。")
    assert error.en.startswith("Human service is closed now. ")
    return error


@pytest.mark.parametrize(
    "when", [T0, datetime(2026, 10, 1, 3, 0, tzinfo=SH), datetime(2026, 12, 31, 23, 59, tzinfo=SH)]
)
def test_all_day_centre_is_open(store, calendar, when):
    status = router(store, calendar, when).require_open("always")
    assert status.open and status.next_open is None


def test_never_centre_is_closed_with_no_next_opening(store, calendar):
    error = closed(store, calendar, "never", T0)
    assert error.detail == {"next_open": None}
    assert error.zh == "当前不在人工服务时间。暂无人工服务安排，请留言。"
    assert (
        error.en == "Human service is closed now. No opening is scheduled; please leave a message."
    )
    assert error.to_dict() == {
        "code": "centre_closed",
        "zh": error.zh,
        "en": error.en,
        "detail": {"next_open": None},
    }


@pytest.mark.parametrize(
    "when, next_open, zh, en",
    [
        # Saturday morning in Shanghai (given in UTC) -> Monday
        (
            datetime(2026, 11, 28, 2, 0, tzinfo=UTC),
            "2026-11-30T08:30:00+08:00",
            "11月30日（周一）08:30 开始服务",
            "Service opens Mon 30 Nov at 08:30",
        ),
        # Thursday evening -> tomorrow
        (
            datetime(2026, 11, 26, 18, 0, tzinfo=SH),
            "2026-11-27T08:30:00+08:00",
            "明天 08:30 开始服务",
            "Service opens tomorrow at 08:30",
        ),
        # lunch break -> today
        (
            datetime(2026, 11, 26, 12, 15, tzinfo=SH),
            "2026-11-26T13:30:00+08:00",
            "今天 13:30 开始服务",
            "Service opens today at 13:30",
        ),
        # 国庆 holiday week -> the first working day after it
        (
            datetime(2026, 10, 2, 10, 0, tzinfo=SH),
            "2026-10-08T08:30:00+08:00",
            "10月8日（周四）08:30 开始服务",
            "Service opens Thu 8 Oct at 08:30",
        ),
    ],
)
def test_weekday_centre_closed_names_the_next_opening(store, calendar, when, next_open, zh, en):
    error = closed(store, calendar, "office", when)
    assert error.detail == {"next_open": next_open}
    assert error.zh == "当前不在人工服务时间。" + zh
    assert error.en == "Human service is closed now. " + en


def test_weekday_centre_open_in_office_hours(store, calendar):
    status = router(store, calendar, datetime(2026, 11, 26, 9, 0, tzinfo=SH)).require_open("office")
    assert status.open and status.closes_at == datetime(2026, 11, 26, 12, 0, tzinfo=SH)


def test_the_clock_is_read_on_every_check(store, calendar):
    now = [datetime(2026, 11, 26, 8, 29, tzinfo=SH)]
    gate = Router(store, lambda: now[0], shipped=calendar)
    with pytest.raises(ZhengnaError):
        gate.require_open("office")
    now[0] = datetime(2026, 11, 26, 8, 30, tzinfo=SH)
    assert gate.require_open("office").open


def test_region_lookup(store, calendar):
    gate = router(store, calendar, T0)
    assert gate.region("4401")["centre_id"] == "office"
    with pytest.raises(ZhengnaError) as excinfo:
        gate.region("9999")
    assert (
        excinfo.value.code == "region_unknown"
        and "9999" in excinfo.value.zh
        and "9999" in excinfo.value.en
    )


def test_recordings_past_their_retention_are_deleted(tmp_path):
    """The sweeper removes old recordings' files and rows and keeps recent ones."""
    from datetime import datetime, timedelta
    from types import SimpleNamespace

    from widget.models import Interaction
    from widget.store import Store
    from widget.timeouts import Sweeper

    now = datetime(2026, 11, 28, tzinfo=UTC)
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    store.migrate()
    store.directory.put_centre(
        {"id": "c", "name": "c", "schedule": {"weekly": {}}, "created_at": now}
    )
    store.conversations.create_interaction(
        Interaction(
            id="ix",
            site_id="s",
            tin="t",
            sub="u",
            person_name="p",
            enterprise="e",
            region="r",
            centre_id="c",
            state="ended",
            created_at=now,
        ),
        [],
    )
    for name, age in (("old", 200), ("new", 10)):
        (tmp_path / "recordings").mkdir(exist_ok=True)
        (tmp_path / "recordings" / f"{name}.webm").write_bytes(b"webm")
        store.media.save_recording(
            {
                "id": name,
                "call_id": "k",
                "interaction_id": "ix",
                "kind": "taxpayer",
                "file": f"recordings/{name}.webm",
                "started_at": None,
                "duration": 1000,
                "size": 4,
                "sha256": "0" * 64,
                "streams": {},
                "created_at": now - timedelta(days=age),
            }
        )
    sweeper = Sweeper(
        SimpleNamespace(store=store),
        {"DATA_DIR": str(tmp_path), "RECORDING_RETENTION_DAYS": 180},
        lambda: now,
    )
    sweeper.prune_recordings(now)
    assert [row["id"] for row in store.media.recordings_of("ix")] == ["new"]
    assert (
        not (tmp_path / "recordings" / "old.webm").exists()
        and (tmp_path / "recordings" / "new.webm").exists()
    )
