"""Opening hours against the 2026 national arrangement, with fixed aware datetimes only."""

import json
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from widget.hours import (
    DEFAULT_HOLIDAY_DIR,
    LOOKAHEAD_DAYS,
    HolidayCalendar,
    Hours,
    HoursStatus,
    Schedule,
    format_next_open,
    status,
)

SH = ZoneInfo("Asia/Shanghai")
OFFICE = [["08:30", "12:00"], ["13:30", "17:30"]]
WEEKDAYS = {day: OFFICE for day in ("mon", "tue", "wed", "thu", "fri")}
OFFICE_WEEK = {"weekly": {**WEEKDAYS, "sat": [], "sun": []}, "observe_holidays": True}
# Test-only stand-in for an administrator's entry; NOT the real 2027 arrangement.
FAKE_2027 = {
    "country": "CN",
    "year": 2027,
    "holidays": [{"name": "元旦", "days": ["2027-01-01"]}],
    "makeup_workdays": [],
}


def sh(text):
    """Return an aware Shanghai datetime from 'YYYY-MM-DD HH:MM[:SS]'."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture(scope="module")
def calendar():
    return HolidayCalendar.load()


@pytest.fixture(scope="module")
def office():
    return Schedule.from_dict(OFFICE_WEEK)


def closed_until(text):
    return HoursStatus(False, None, sh(text))


def open_until(text):
    return HoursStatus(True, sh(text), None)


@pytest.mark.parametrize(
    "now, expected",
    [
        # an ordinary Thursday: inside, between and after the spans
        ("2026-11-26 08:29:59", closed_until("2026-11-26 08:30")),
        ("2026-11-26 08:30", open_until("2026-11-26 12:00")),
        ("2026-11-26 11:59:59", open_until("2026-11-26 12:00")),
        ("2026-11-26 12:00", closed_until("2026-11-26 13:30")),
        ("2026-11-26 13:30", open_until("2026-11-26 17:30")),
        ("2026-11-26 17:30", closed_until("2026-11-27 08:30")),
        ("2026-11-26 23:59:59", closed_until("2026-11-27 08:30")),
        ("2026-11-27 00:00", closed_until("2026-11-27 08:30")),
        # Friday evening and the weekend -> Monday
        ("2026-11-27 18:00", closed_until("2026-11-30 08:30")),
        ("2026-11-28 10:00", closed_until("2026-11-30 08:30")),
        ("2026-11-29 23:59:59", closed_until("2026-11-30 08:30")),
        # 国庆: 10-01..10-07 off (10-05 is a Monday); Thursday 10-08 is a working day
        ("2026-09-30 18:00", closed_until("2026-10-08 08:30")),
        ("2026-10-01 10:00", closed_until("2026-10-08 08:30")),
        ("2026-10-05 10:00", closed_until("2026-10-08 08:30")),
        ("2026-10-07 23:59:59", closed_until("2026-10-08 08:30")),
        # ...and Saturday 10-10 is a make-up working day on Monday's spans
        ("2026-10-09 18:00", closed_until("2026-10-10 08:30")),
        ("2026-10-10 10:00", open_until("2026-10-10 12:00")),
        ("2026-10-10 17:30", closed_until("2026-10-12 08:30")),
        # 春节: make-up Saturday 02-14, then 02-15..02-23 off, back on Tuesday 02-24
        ("2026-02-13 18:00", closed_until("2026-02-14 08:30")),
        ("2026-02-14 14:00", open_until("2026-02-14 17:30")),
        ("2026-02-14 18:00", closed_until("2026-02-24 08:30")),
        ("2026-02-23 10:00", closed_until("2026-02-24 08:30")),
        # make-up Sundays
        ("2026-01-03 10:00", closed_until("2026-01-04 08:30")),
        ("2026-09-20 09:00", open_until("2026-09-20 12:00")),
        # an ordinary Sunday stays closed
        ("2026-09-13 09:00", closed_until("2026-09-14 08:30")),
    ],
)
def test_office_week(office, calendar, now, expected):
    assert status(office, calendar, sh(now)) == expected


def test_results_are_in_shanghai(office, calendar):
    result = status(office, calendar, sh("2026-11-26 10:00"))
    assert result.closes_at.tzinfo.key == "Asia/Shanghai"


@pytest.mark.parametrize(
    "now, expected",
    [
        (datetime(2026, 11, 27, 0, 30, tzinfo=UTC), open_until("2026-11-27 12:00")),
        (datetime(2026, 11, 27, 0, 29, 59, tzinfo=UTC), closed_until("2026-11-27 08:30")),
        (
            datetime(2026, 11, 26, 16, 0, tzinfo=UTC),
            closed_until("2026-11-27 08:30"),
        ),  # Shanghai midnight
        (
            datetime(2026, 11, 26, 19, 45, tzinfo=ZoneInfo("America/New_York")),
            open_until("2026-11-27 12:00"),
        ),
        (
            datetime(2026, 11, 27, 9, 30, tzinfo=timezone(timedelta(hours=9))),
            open_until("2026-11-27 12:00"),
        ),
    ],
)
def test_other_zones_are_converted(office, calendar, now, expected):
    result = status(office, calendar, now)
    assert result == expected
    if result.next_open:
        assert result.next_open.utcoffset() == timedelta(hours=8)


def test_naive_now_is_refused(office, calendar):
    with pytest.raises(ValueError, match="aware"):
        status(office, calendar, datetime(2026, 11, 27, 10, 0))


EXCEPTIONS = {
    **OFFICE_WEEK,
    "exceptions": {
        "2026-12-31": [["09:00", "12:00"]],  # special hours
        "2026-12-30": [],  # closed on a working Wednesday
        "2026-10-03": [["10:00", "12:00"]],  # open on a public holiday
        "2026-10-10": [],  # closed on a make-up working day
    },
}


@pytest.mark.parametrize(
    "now, expected",
    [
        ("2026-12-29 18:00", closed_until("2026-12-31 09:00")),
        ("2026-12-30 10:00", closed_until("2026-12-31 09:00")),
        ("2026-12-31 08:30", closed_until("2026-12-31 09:00")),
        ("2026-12-31 11:00", open_until("2026-12-31 12:00")),
        # no 2027 arrangement is loaded, so Friday 2027-01-01 falls back to the weekly spans
        ("2026-12-31 13:30", closed_until("2027-01-01 08:30")),
        ("2026-10-02 10:00", closed_until("2026-10-03 10:00")),
        ("2026-10-03 11:00", open_until("2026-10-03 12:00")),
        ("2026-10-03 12:00", closed_until("2026-10-08 08:30")),
        ("2026-10-09 18:00", closed_until("2026-10-12 08:30")),
    ],
)
def test_exceptions_win(calendar, now, expected):
    assert status(Schedule.from_dict(EXCEPTIONS), calendar, sh(now)) == expected


@pytest.mark.parametrize(
    "data, now, expected",
    [
        # a make-up day can follow another weekday's spans
        (
            {"weekly": {**WEEKDAYS, "sat": [["09:00", "12:00"]]}, "makeup_as": "sat"},
            "2026-10-10 08:30",
            closed_until("2026-10-10 09:00"),
        ),
        (
            {"weekly": {**WEEKDAYS, "fri": [["10:00", "11:00"]]}, "makeup_as": "fri"},
            "2026-02-14 10:30",
            open_until("2026-02-14 11:00"),
        ),
        # without observe_holidays, 10-01 is a Thursday like any other and 10-10 a closed Saturday
        (
            {"weekly": WEEKDAYS, "observe_holidays": False},
            "2026-10-01 10:00",
            open_until("2026-10-01 12:00"),
        ),
        (
            {"weekly": WEEKDAYS, "observe_holidays": False},
            "2026-10-09 18:00",
            closed_until("2026-10-12 08:30"),
        ),
    ],
)
def test_holiday_options(calendar, data, now, expected):
    assert status(Schedule.from_dict(data), calendar, sh(now)) == expected


NIGHT = {
    "weekly": {"mon": [["20:00", "24:00"]], "tue": [["00:00", "08:00"], ["18:00", "24:00"]]},
    "observe_holidays": False,
}
LATE = {"weekly": {"wed": [["09:00", "24:00"]], "thu": [["00:00", "02:00"]]}}


@pytest.mark.parametrize(
    "data, now, expected",
    [
        # Mon 20:00-24:00 + Tue 00:00-08:00 are one continuous period
        (NIGHT, "2026-11-30 19:59:59", closed_until("2026-11-30 20:00")),
        (NIGHT, "2026-11-30 20:00", open_until("2026-12-01 08:00")),
        (NIGHT, "2026-11-30 23:59:59", open_until("2026-12-01 08:00")),
        (NIGHT, "2026-12-01 00:00", open_until("2026-12-01 08:00")),
        (NIGHT, "2026-12-01 08:00", closed_until("2026-12-01 18:00")),
        # "24:00" end with nothing after it: closes at the next midnight, then reopens a week later
        (NIGHT, "2026-12-01 23:59:59", open_until("2026-12-02 00:00")),
        (NIGHT, "2026-12-02 00:00", closed_until("2026-12-07 20:00")),
        # Wed 09:00-24:00 runs into Thu 00:00-02:00 -- unless Thursday is a public holiday
        (LATE, "2026-11-25 23:00", open_until("2026-11-26 02:00")),
        (LATE, "2026-09-30 23:00", open_until("2026-10-01 00:00")),
        (
            LATE,
            "2026-10-01 00:30",
            closed_until("2026-10-08 00:00"),
        ),  # Thursday 10-08 is a working day
        (LATE, "2026-10-08 01:00", open_until("2026-10-08 02:00")),
    ],
)
def test_midnight(calendar, data, now, expected):
    assert status(Schedule.from_dict(data), calendar, sh(now)) == expected


@pytest.mark.parametrize(
    "data",
    [
        {"weekly": {}},
        {"weekly": {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}},
        {"weekly": {}, "exceptions": {"2026-12-30": []}},
    ],
)
def test_never_open(calendar, data):
    assert status(Schedule.from_dict(data), calendar, sh("2026-11-26 10:00")) == HoursStatus(
        False, None, None
    )


def test_opening_beyond_lookahead_is_none(calendar):
    far = (date(2026, 11, 26) + timedelta(days=LOOKAHEAD_DAYS)).isoformat()
    schedule = Schedule.from_dict({"weekly": {}, "exceptions": {far: [["09:00", "10:00"]]}})
    assert status(schedule, calendar, sh("2026-11-26 10:00")).next_open is None
    assert status(schedule, calendar, sh("2026-11-27 10:00")).next_open == sh(f"{far} 09:00")


@pytest.mark.parametrize(
    "now", ["2026-10-01 03:00", "2026-02-17 12:00", "2026-11-28 23:59:59", "2026-11-29 00:00"]
)
def test_always_open(calendar, now):
    assert status(Schedule.always(), calendar, sh(now)) == HoursStatus(True, None, None)


def test_hours_uses_the_injected_clock(office, calendar):
    moments = iter([sh("2026-11-26 10:00"), datetime(2026, 11, 26, 4, 30, tzinfo=UTC)])
    hours = Hours(office, calendar, clock=lambda: next(moments))
    assert hours.status() == open_until("2026-11-26 12:00")
    assert hours.status() == closed_until("2026-11-26 13:30")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"weekly": {"mon": [["08:30", "25:00"]]}}, r"weekly\.mon span 1 .*'25:00' is not HH:MM"),
        ({"weekly": {"tue": [["8:30", "12:00"]]}}, r"weekly\.tue span 1 .*'8:30' is not HH:MM"),
        (
            {"weekly": {"wed": [["08:30", "12:00"], ["13:30", "13:30"]]}},
            r"weekly\.wed span 2 .*start must be before end",
        ),
        (
            {"weekly": {"thu": [["12:00", "08:30"]]}},
            r"weekly\.thu span 1 .*start must be before end",
        ),
        (
            {"weekly": {"fri": [["24:00", "24:00"]]}},
            r"weekly\.fri span 1 .*start must be before end",
        ),
        (
            {"weekly": {"fri": [["13:00", "17:00"], ["08:30", "13:30"]]}},
            r"weekly\.fri: spans 08:30-13:30 and 13:00-17:00 overlap",
        ),
        ({"weekly": {"sat": [["08:30"]]}}, r"weekly\.sat span 1 .*expected"),
        ({"weekly": {"sun": "08:30-12:00"}}, r"weekly\.sun: expected a list"),
        ({"weekly": {"tues": []}}, r"unknown days \['tues'\]"),
        ({"weekly": {}, "observe_holiday": True}, r"unknown keys \['observe_holiday'\]"),
        ({"observe_holidays": True}, r'"weekly" must be'),
        ({"weekly": {}, "observe_holidays": "yes"}, r"observe_holidays"),
        ({"weekly": {}, "makeup_as": "monday"}, r"makeup_as: 'monday'"),
        ({"weekly": {}, "exceptions": {"2026-13-01": []}}, r"'2026-13-01' is not a date"),
        (
            {"weekly": {}, "exceptions": {"2026-12-31": [["09:00", "12:00"], ["11:00", "14:00"]]}},
            r"exceptions\.2026-12-31: spans 09:00-12:00 and 11:00-14:00 overlap",
        ),
    ],
)
def test_schedule_validation(data, message):
    with pytest.raises(ValueError, match=message):
        Schedule.from_dict(data)


def test_touching_spans_are_allowed_and_continuous(calendar):
    schedule = Schedule.from_dict({"weekly": {"fri": [["13:30", "17:30"], ["08:30", "13:30"]]}})
    assert status(schedule, calendar, sh("2026-11-27 09:00")) == open_until("2026-11-27 17:30")


def test_default_calendar_holds_2026(calendar):
    assert calendar.years == (2026,)
    assert calendar.is_holiday(date(2026, 10, 5)) and not calendar.is_holiday(date(2026, 10, 8))
    assert calendar.is_makeup_workday(date(2026, 10, 10)) and not calendar.is_makeup_workday(
        date(2026, 10, 11)
    )


@pytest.mark.parametrize(
    "today, missing",
    [
        (date(2026, 6, 1), [2027]),
        (date(2026, 12, 31), [2027]),
        (date(2027, 1, 1), [2027, 2028]),
        (
            datetime(2026, 12, 31, 16, 0, tzinfo=UTC),
            [2027, 2028],
        ),  # already 2027 in Shanghai
        (date(2025, 12, 1), [2025]),
    ],
)
def test_missing_years(calendar, today, missing):
    assert calendar.missing_years(today) == missing


def test_adding_a_year_returns_a_new_calendar(calendar):
    extended = calendar.with_year(FAKE_2027)
    assert extended.missing_years(date(2026, 6, 1)) == []
    assert extended.missing_years(date(2027, 3, 1)) == [2028]
    assert calendar.missing_years(date(2026, 6, 1)) == [2027]  # the original is untouched
    assert extended.is_holiday(date(2027, 1, 1)) and extended.is_holiday(date(2026, 10, 1))
    office = Schedule.from_dict(OFFICE_WEEK)
    assert status(office, extended, sh("2026-12-31 18:00")) == closed_until("2027-01-04 08:30")


def test_with_year_replaces_that_year(calendar):
    corrected = calendar.with_year({**FAKE_2027, "holidays": []}).with_year(FAKE_2027)
    assert corrected.years == (2026, 2027) and corrected.is_holiday(date(2027, 1, 1))
    assert not corrected.with_year({**FAKE_2027, "holidays": []}).is_holiday(date(2027, 1, 1))


def test_from_years_matches_the_files(calendar):
    data = json.loads((DEFAULT_HOLIDAY_DIR / "cn-2026.json").read_text(encoding="utf-8"))
    assert HolidayCalendar.from_years([data]) == calendar
    assert HolidayCalendar.from_years([FAKE_2027, data]).years == (2026, 2027)
    with pytest.raises(ValueError, match="2027 given twice"):
        HolidayCalendar.from_years([FAKE_2027, FAKE_2027])


@pytest.mark.parametrize(
    "change, message",
    [
        ({"year": "2027"}, "'year' must be a year"),
        ({"country": "TW"}, "country must be CN"),
        ({"holidays": {"元旦": ["2027-01-01"]}}, "must be a list"),
        ({"holidays": [{"days": ["2027-01-01"]}]}, "needs a name"),
        ({"holidays": [{"name": "元旦", "days": ["2027/01/01"]}]}, r"'2027/01/01' is not a date"),
        ({"holidays": [{"name": "元旦", "days": []}]}, "no days listed"),
        ({"holidays": [{"name": "元旦", "days": ["2026-10-01"]}]}, "2026-10-01 is outside 2027"),
        (
            {
                "holidays": [
                    {"name": "A", "days": ["2027-01-01"]},
                    {"name": "B", "days": ["2027-01-01"]},
                ]
            },
            "listed twice",
        ),
        ({"makeup_workdays": ["2027-01-04"]}, "2027-01-04 is not a Saturday or Sunday"),
        (
            {
                "makeup_workdays": ["2027-01-02"],
                "holidays": [{"name": "元旦", "days": ["2027-01-02"]}],
            },
            "2027-01-02 is both a holiday and a make-up",
        ),
        ({"makeup_workdays": None}, "makeup_workdays: expected a list"),
    ],
)
def test_arrangement_validation(calendar, change, message):
    with pytest.raises(ValueError, match=message):
        calendar.with_year({**FAKE_2027, **change})


def test_years_may_not_contradict():
    # a late-December make-up day may belong to the next year's arrangement...
    calendar = HolidayCalendar.from_years([{**FAKE_2027, "makeup_workdays": ["2026-12-26"]}])
    assert calendar.is_makeup_workday(date(2026, 12, 26))
    # ...but then another year may not call it a holiday
    with pytest.raises(ValueError, match="2026-12-26 contradicts the 2027 arrangement"):
        calendar.with_year(
            {
                "year": 2026,
                "holidays": [{"name": "x", "days": ["2026-12-26"]}],
                "makeup_workdays": [],
            }
        )


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("cn-2027.json", json.dumps(FAKE_2027), None),
        ("cn-2028.json", json.dumps(FAKE_2027), "cn-2028.json: file says year 2027"),
        ("cn-2027.json", "{not json", "cn-2027.json: not valid JSON"),
        ("cn-27.json", json.dumps(FAKE_2027), "cn-27.json: expected a name like cn-2026.json"),
    ],
)
def test_load_directory(tmp_path, name, content, message):
    (tmp_path / name).write_text(content, encoding="utf-8")
    if message is None:
        assert HolidayCalendar.load(tmp_path).years == (2027,)
    else:
        with pytest.raises(ValueError, match=message):
            HolidayCalendar.load(tmp_path)


def test_load_missing_directory(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        HolidayCalendar.load(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "dt, now, zh, en",
    [
        (
            "2026-11-26 13:30",
            "2026-11-26 12:10",
            "今天 13:30 开始服务",
            "Service opens today at 13:30",
        ),
        (
            "2026-11-27 08:30",
            "2026-11-26 17:45",
            "明天 08:30 开始服务",
            "Service opens tomorrow at 08:30",
        ),
        (
            "2026-11-27 08:30",
            "2026-11-26 00:00",
            "明天 08:30 开始服务",
            "Service opens tomorrow at 08:30",
        ),
        (
            "2026-10-08 08:30",
            "2026-09-30 18:00",
            "10月8日（周四）08:30 开始服务",
            "Service opens Thu 8 Oct at 08:30",
        ),
        (
            "2026-02-24 08:30",
            "2026-02-14 18:00",
            "2月24日（周二）08:30 开始服务",
            "Service opens Tue 24 Feb at 08:30",
        ),
        (
            "2026-11-30 08:30",
            "2026-11-27 18:00",
            "11月30日（周一）08:30 开始服务",
            "Service opens Mon 30 Nov at 08:30",
        ),
        (
            "2027-01-04 08:30",
            "2026-12-31 18:00",
            "2027年1月4日（周一）08:30 开始服务",
            "Service opens Mon 4 Jan 2027 at 08:30",
        ),
    ],
)
def test_format_next_open(dt, now, zh, en):
    assert format_next_open(sh(dt), "zh-CN", sh(now)) == zh
    assert format_next_open(sh(dt), "en", sh(now)) == en


def test_format_next_open_uses_shanghai_days():
    # 23:00 Shanghai, next opening given in UTC: 00:30Z is 08:30 the next Shanghai day
    now = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    opens = datetime(2026, 11, 27, 0, 30, tzinfo=UTC)
    assert format_next_open(opens, "zh_CN", now) == "明天 08:30 开始服务"
    assert format_next_open(opens, "en-GB", now) == "Service opens tomorrow at 08:30"


def test_format_next_open_edge_cases():
    now = sh("2026-11-26 10:00")
    assert format_next_open(None, "zh-CN", now) == "暂无服务时间"
    assert format_next_open(None, "en", now) == "No service hours scheduled"
    with pytest.raises(ValueError, match="unsupported locale 'fr'"):
        format_next_open(sh("2026-11-26 13:30"), "fr", now)


@pytest.mark.parametrize(
    "moment",
    [
        "2026-03-02 08:29:59.999999",
        "2026-03-02 08:30:00",
        "2026-03-02 08:30:00.000001",
        "2026-03-02 11:59:59.5",
        "2026-03-02 12:00:00",
        "2026-03-02 17:30:30",
        "2026-10-01 09:00:00",  # 国庆
        "2026-02-28 23:59:59.999",
    ],
)
def test_an_answer_is_the_same_for_every_instant_of_its_minute(calendar, moment):
    from widget.hours import _status_in_minute

    schedule = Schedule.from_dict(OFFICE_WEEK)
    now = datetime.fromisoformat(moment).replace(tzinfo=SH)
    uncached = _status_in_minute.__wrapped__(schedule, calendar, now)  # the exact instant
    assert status(schedule, calendar, now) == uncached
    assert status(schedule, calendar, now.astimezone(UTC)) == uncached


def test_an_edited_schedule_is_answered_at_once_not_from_the_cache(calendar):
    now = sh("2026-03-02 09:00")
    assert status(Schedule.from_dict(OFFICE_WEEK), calendar, now).open
    closed_mondays = {**OFFICE_WEEK, "weekly": {**WEEKDAYS, "mon": [], "sat": [], "sun": []}}
    assert not status(Schedule.from_dict(closed_mondays), calendar, now).open
    with_2027 = calendar.with_year(FAKE_2027)
    new_year = sh("2027-01-01 09:00")  # a Friday: the added year makes it a holiday
    assert status(Schedule.from_dict(OFFICE_WEEK), calendar, new_year).open
    assert not status(Schedule.from_dict(OFFICE_WEEK), with_2027, new_year).open
