"""差评回访 deadlines: FOLLOWUP_DAYS working days on a centre's calendar (2026)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from widget.hours import OFFICE_WEEK, HolidayCalendar, Schedule, add_working_days

SH = ZoneInfo("Asia/Shanghai")
OFFICE = [["08:30", "12:00"], ["13:30", "17:30"]]
WEEKDAYS = {day: OFFICE for day in ("mon", "tue", "wed", "thu", "fri")}


def sh(text):
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture(scope="module")
def calendar():
    return HolidayCalendar.load()


@pytest.fixture(scope="module")
def office():
    return Schedule.from_dict({"weekly": WEEKDAYS, "observe_holidays": True})


def test_an_ordinary_week_ends_at_the_close_of_the_fifth_working_day(office, calendar):
    assert add_working_days(office, calendar, sh("2026-03-09 10:00"), 5) == sh("2026-03-16 17:30")


def test_the_day_of_the_rating_never_counts_even_early_in_the_morning(office, calendar):
    assert add_working_days(office, calendar, sh("2026-03-09 00:05"), 1) == sh("2026-03-10 17:30")


def test_national_day_week_is_skipped_and_its_makeup_saturday_counts(office, calendar):
    # 10-01..10-07 off; Saturday 10-10 is a 调休 working day (kept as a Monday)
    due = add_working_days(office, calendar, sh("2026-09-30 16:00"), 5)
    assert due == sh("2026-10-13 17:30")  # 10-08, 10-09, 10-10 (Sat), 10-12, 10-13


def test_spring_festival_makeup_days_on_both_sides(office, calendar):
    # Saturday 02-14 works, 02-15..02-23 off, 02-24..02-27 work, Saturday 02-28 works
    assert add_working_days(office, calendar, sh("2026-02-13 09:00"), 5) == sh("2026-02-27 17:30")
    assert add_working_days(office, calendar, sh("2026-02-13 09:00"), 6) == sh("2026-02-28 17:30")


def test_local_date_decides_not_utc(office, calendar):
    # Friday 23:30 in Shanghai is Friday 15:30 UTC; Thursday 20:00 UTC is Friday 04:00 there
    late_friday = sh("2026-03-13 23:30").astimezone(UTC)
    assert add_working_days(office, calendar, late_friday, 1) == sh("2026-03-16 17:30")
    thursday_utc = datetime(2026, 3, 12, 20, 0, tzinfo=UTC)
    assert add_working_days(office, calendar, thursday_utc, 1) == sh("2026-03-16 17:30")


def test_a_centre_that_works_through_holidays_counts_them(calendar):
    every_day = Schedule.from_dict(
        {
            "weekly": {d: [["08:00", "20:00"]] for d in WEEKDAYS} | {"sat": [], "sun": []},
            "observe_holidays": False,
        }
    )
    assert add_working_days(every_day, calendar, sh("2026-09-30 10:00"), 2) == sh(
        "2026-10-02 20:00"
    )


def test_a_dated_exception_closes_a_day_and_round_the_clock_ends_at_midnight(calendar):
    schedule = Schedule.from_dict(
        {"weekly": WEEKDAYS, "exceptions": {"2026-03-10": []}, "observe_holidays": True}
    )
    assert add_working_days(schedule, calendar, sh("2026-03-09 10:00"), 1) == sh("2026-03-11 17:30")
    assert add_working_days(Schedule.always(), calendar, sh("2026-03-09 10:00"), 5) == sh(
        "2026-03-15 00:00"
    )


def test_an_administrators_year_is_counted(office, calendar):
    fake_2027 = {  # test-only stand-in, not the real 2027 arrangement
        "country": "CN",
        "year": 2027,
        "holidays": [{"name": "元旦", "days": ["2027-01-01"]}],
        "makeup_workdays": [],
    }
    extended = calendar.with_year(fake_2027)
    rated = sh("2026-12-30 11:00")  # Wednesday
    assert add_working_days(office, calendar, rated, 2) == sh("2027-01-01 17:30")
    assert add_working_days(office, extended, rated, 2) == sh("2027-01-04 17:30")


def test_a_centre_without_hours_has_no_deadline_and_the_office_week_stands_in(calendar):
    never = Schedule.from_dict({"weekly": {}, "observe_holidays": True})
    assert add_working_days(never, calendar, sh("2026-09-30 10:00"), 5) is None
    assert add_working_days(OFFICE_WEEK, calendar, sh("2026-09-30 10:00"), 5) == sh(
        "2026-10-13 18:00"
    )


def test_zero_days_is_refused(office, calendar):
    with pytest.raises(ValueError):
        add_working_days(office, calendar, sh("2026-03-09 10:00"), 0)
