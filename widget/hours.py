"""Working hours of an operations centre in Asia/Shanghai, on top of the national holiday
arrangement."""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LOOKAHEAD_DAYS = 366
DEFAULT_HOLIDAY_DIR = Path(__file__).parent / "data" / "holidays"
_HHMM = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FILE_NAME = re.compile(r"cn-(\d{4})\.json")
_SCHEDULE_KEYS = {"weekly", "observe_holidays", "makeup_as", "exceptions"}
_ZH_WEEKDAYS = "一二三四五六日"
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Span = tuple[int, int]  # minutes after local midnight; the end may be 1440 ("24:00")


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(text, where: str) -> int:
    if not isinstance(text, str) or not _HHMM.fullmatch(text):
        raise ValueError(f"{where}: time {text!r} is not HH:MM between 00:00 and 24:00")
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _parse_spans(raw, where: str) -> tuple[Span, ...]:
    if not isinstance(raw, list):
        raise ValueError(f"{where}: expected a list of [start, end] spans, got {raw!r}")
    spans = []
    for number, span in enumerate(raw, 1):
        at = f"{where} span {number} {span!r}"
        if not isinstance(span, (list, tuple)) or len(span) != 2:
            raise ValueError(f'{at}: expected ["HH:MM", "HH:MM"]')
        start, end = _minutes(span[0], at), _minutes(span[1], at)
        if start >= end:
            raise ValueError(f"{at}: start must be before end")
        spans.append((start, end))
    spans.sort()
    for (s1, e1), (s2, e2) in itertools.pairwise(spans):
        if s2 < e1:
            raise ValueError(
                f"{where}: spans {_hhmm(s1)}-{_hhmm(e1)} and {_hhmm(s2)}-{_hhmm(e2)} overlap"
            )
    return tuple(spans)


def _parse_date(text, where: str) -> date:
    if isinstance(text, str) and _ISO_DATE.fullmatch(text):
        with suppress(ValueError):
            return date.fromisoformat(text)
    raise ValueError(f"{where}: {text!r} is not a date like 2026-10-01")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


@dataclass(frozen=True)
class Schedule:
    """A centre's weekly spans, holiday policy and dated exceptions; build it with from_dict()."""

    weekly: tuple[tuple[Span, ...], ...]
    observe_holidays: bool = True
    makeup_as: str = "mon"
    exceptions: tuple[tuple[date, tuple[Span, ...]], ...] = ()

    @classmethod
    def from_dict(cls, data: dict) -> Schedule:
        """Build a validated schedule from JSON-able data."""
        _require(isinstance(data, dict), f"schedule: expected an object, got {data!r}")
        unknown = set(data) - _SCHEDULE_KEYS
        _require(not unknown, f"schedule: unknown keys {sorted(unknown)}")
        weekly = data.get("weekly")
        if not isinstance(weekly, dict):
            raise ValueError('schedule: "weekly" must be an object of day -> spans')
        unknown = set(weekly) - set(DAYS)
        _require(not unknown, f"weekly: unknown days {sorted(unknown)}; use {', '.join(DAYS)}")
        observe = data.get("observe_holidays", True)
        _require(
            isinstance(observe, bool), f"observe_holidays: expected true or false, got {observe!r}"
        )
        makeup_as = data.get("makeup_as", "mon")
        _require(makeup_as in DAYS, f"makeup_as: {makeup_as!r} is not one of {', '.join(DAYS)}")
        exceptions = data.get("exceptions", {})
        if not isinstance(exceptions, dict):
            raise ValueError('schedule: "exceptions" must be an object of date -> spans')
        return cls(
            tuple(_parse_spans(weekly.get(day, []), f"weekly.{day}") for day in DAYS),
            observe,
            makeup_as,
            tuple(
                sorted(
                    (_parse_date(key, "exceptions"), _parse_spans(spans, f"exceptions.{key}"))
                    for key, spans in exceptions.items()
                )
            ),
        )

    @classmethod
    def always(cls) -> Schedule:
        """Return round-the-clock service that ignores holidays."""
        return cls(weekly=tuple(((0, 1440),) for _ in DAYS), observe_holidays=False)

    def spans_on(self, day: date, calendar: HolidayCalendar) -> tuple[Span, ...]:
        """Return the spans (minutes after midnight) that apply on a local date."""
        for when, spans in self.exceptions:
            if when == day:
                return spans
        if self.observe_holidays:
            if calendar.is_holiday(day):
                return ()
            if calendar.is_makeup_workday(day):
                return self.weekly[DAYS.index(self.makeup_as)]
        return self.weekly[day.weekday()]


@dataclass(frozen=True)
class Arrangement:
    """One year's national arrangement: public holidays (with bridging days) and make-up working
    days."""

    year: int
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    source: str = ""

    @classmethod
    def from_dict(cls, data: dict, origin: str = "arrangement") -> Arrangement:
        """Build a validated arrangement from the cn-YYYY.json shape."""
        _require(isinstance(data, dict), f"{origin}: expected an object")
        year = data.get("year")
        if not (type(year) is int and 2000 <= year <= 2100):
            raise ValueError(f"{origin}: 'year' must be a year, got {year!r}")
        _require(
            data.get("country", "CN") == "CN",
            f"{origin}: country must be CN, got {data.get('country')!r}",
        )
        holidays = _parse_holidays(data.get("holidays"), year, f"{origin} {year}")
        makeup = _parse_days(data.get("makeup_workdays"), year, f"{origin} {year} makeup_workdays")
        for day in makeup:
            _require(
                day.weekday() >= 5,
                f"{origin} {year}: make-up working day {day} is not a Saturday or Sunday",
            )
        both = holidays & set(makeup)
        _require(
            not both,
            f"{origin} {year}: {min(both, default='')} is both a holiday and a make-up working day",
        )
        return cls(year, frozenset(holidays), frozenset(makeup), str(data.get("source", "")))


def _parse_days(raw, year: int, where: str) -> list[date]:
    _require(isinstance(raw, list), f"{where}: expected a list of dates")
    days = [_parse_date(text, where) for text in raw]
    for day in days:
        _require(
            date(year - 1, 12, 1) <= day <= date(year + 1, 1, 31),
            f"{where}: {day} is outside {year}",
        )
    return days


def _parse_holidays(raw, year: int, where: str) -> set[date]:
    _require(isinstance(raw, list), f"{where}: 'holidays' must be a list of {{name, days}}")
    seen: set[date] = set()
    for item in raw:
        _require(
            isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip(),
            f"{where}: holiday {item!r} needs a name",
        )
        days = _parse_days(item.get("days"), year, f"{where} {item['name']}")
        _require(bool(days), f"{where} {item['name']}: no days listed")
        for day in days:
            _require(day not in seen, f"{where}: {day} listed twice")
            seen.add(day)
    return seen


@dataclass(frozen=True)
class HolidayCalendar:
    """National arrangements by year; extend it with with_year(), never in place."""

    arrangements: tuple[Arrangement, ...] = ()

    @classmethod
    def from_years(cls, years: Iterable[dict]) -> HolidayCalendar:
        """Build a calendar from arrangement dicts, one per year."""
        calendar = cls()
        for data in years:
            arrangement = Arrangement.from_dict(data)
            _require(arrangement.year not in calendar.years, f"year {arrangement.year} given twice")
            calendar = calendar._with(arrangement)
        return calendar

    @classmethod
    def load(cls, directory: str | Path = DEFAULT_HOLIDAY_DIR) -> HolidayCalendar:
        """Load every cn-YYYY.json file in a directory."""
        directory = Path(directory)
        _require(directory.is_dir(), f"holiday directory {directory} does not exist")
        calendar = cls()
        for path in sorted(directory.glob("cn-*.json")):
            match = _FILE_NAME.fullmatch(path.name)
            if match is None:
                raise ValueError(f"{path.name}: expected a name like cn-2026.json")
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path.name}: not valid JSON ({error})") from error
            arrangement = Arrangement.from_dict(data, path.name)
            _require(
                arrangement.year == int(match[1]), f"{path.name}: file says year {arrangement.year}"
            )
            calendar = calendar._with(arrangement)
        return calendar

    def with_year(self, data: dict) -> HolidayCalendar:
        """Return a new calendar with this year's arrangement added or replaced."""
        return self._with(Arrangement.from_dict(data))

    def _with(self, new: Arrangement) -> HolidayCalendar:
        others = tuple(a for a in self.arrangements if a.year != new.year)
        for other in others:
            clash = (new.holidays & other.makeup_workdays) | (new.makeup_workdays & other.holidays)
            _require(
                not clash,
                f"{new.year}: {min(clash, default='')} contradicts the {other.year} arrangement",
            )
        return HolidayCalendar(tuple(sorted(others + (new,), key=lambda a: a.year)))

    @property
    def years(self) -> tuple[int, ...]:
        """Return the years that have an arrangement loaded."""
        return tuple(a.year for a in self.arrangements)

    def is_holiday(self, day: date) -> bool:
        """Tell whether a date is a national day off."""
        return any(day in a.holidays for a in self.arrangements)

    def is_makeup_workday(self, day: date) -> bool:
        """Tell whether a date is a national make-up working day (调休上班)."""
        return any(day in a.makeup_workdays for a in self.arrangements)

    def missing_years(self, today: date) -> list[int]:
        """Return which of this year and next year (Shanghai time) have no arrangement loaded."""
        if isinstance(today, datetime) and today.tzinfo is not None:
            today = today.astimezone(TZ)
        return [year for year in (today.year, today.year + 1) if year not in self.years]


@dataclass(frozen=True)
class HoursStatus:
    """Whether a centre is open at an instant; closes_at/next_open are None beyond the
    look-ahead."""

    open: bool
    closes_at: datetime | None = None
    next_open: datetime | None = None


def _local(moment: datetime, name: str = "now") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {moment!r}")
    return moment.astimezone(TZ)


def _at(day: date, minutes: int) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=TZ) + timedelta(minutes=minutes)


def _open_periods(
    schedule: Schedule, calendar: HolidayCalendar, first: date
) -> Iterator[tuple[datetime, datetime]]:
    current = None
    for offset in range(LOOKAHEAD_DAYS):
        day = first + timedelta(days=offset)
        for start, end in schedule.spans_on(day, calendar):
            begin, finish = _at(day, start), _at(day, end)
            if current and begin <= current[1]:  # touching spans, also across midnight
                current = (current[0], max(current[1], finish))
            else:
                if current:
                    yield current
                current = (begin, finish)
    if current:
        yield current


def status(schedule: Schedule, calendar: HolidayCalendar, now: datetime) -> HoursStatus:
    """Tell whether the centre is open at `now` and when it next closes or opens.

    Every span starts and ends on a whole local minute, so the answer is the same for every instant
    of a minute: it is computed once per schedule, calendar and minute (a taxpayer's hello and
    request each ask; an always-open schedule walks the whole year's look-ahead to find its end).
    An edited schedule or calendar is another key: nothing to invalidate."""
    return _status_in_minute(schedule, calendar, _local(now).replace(second=0, microsecond=0))


@functools.lru_cache(maxsize=1024)  # centres x the few minutes in use
def _status_in_minute(
    schedule: Schedule, calendar: HolidayCalendar, local: datetime
) -> HoursStatus:
    horizon = _at(local.date(), 0) + timedelta(days=LOOKAHEAD_DAYS)
    for start, end in _open_periods(schedule, calendar, local.date()):
        if end <= local:
            continue
        if start <= local:
            return HoursStatus(True, closes_at=None if end >= horizon else end)
        return HoursStatus(False, next_open=start)
    return HoursStatus(False)


class Hours:
    """A centre's hours bound to a calendar and an injectable clock."""

    def __init__(
        self,
        schedule: Schedule,
        calendar: HolidayCalendar,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.schedule, self.calendar, self.clock = schedule, calendar, clock

    def status(self) -> HoursStatus:
        """Return the status at the clock's current time."""
        return status(self.schedule, self.calendar, self.clock())


def _language(locale: str) -> str:
    tag = str(locale).lower().replace("_", "-")
    for language in ("zh", "en"):
        if tag == language or tag.startswith(language + "-"):
            return language
    raise ValueError(f"unsupported locale {locale!r}; use zh-CN or en")


def format_next_open(dt: datetime | None, locale: str, now: datetime) -> str:
    """Describe when service next opens, for the widget's disabled button."""
    language = _language(locale)
    if dt is None:
        return "暂无服务时间" if language == "zh" else "No service hours scheduled"
    when, today = _local(dt, "dt"), _local(now)
    days, clock = (when.date() - today.date()).days, when.strftime("%H:%M")
    if language == "zh":
        year = f"{when.year}年" if when.year != today.year else ""
        day = {0: "今天 ", 1: "明天 "}.get(
            days
        ) or f"{year}{when.month}月{when.day}日（周{_ZH_WEEKDAYS[when.weekday()]}）"
        return f"{day}{clock} 开始服务"
    year = f" {when.year}" if when.year != today.year else ""
    day = {0: "today", 1: "tomorrow"}.get(days) or (
        f"{_EN_WEEKDAYS[when.weekday()]} {when.day} {_EN_MONTHS[when.month - 1]}{year}"
    )
    return f"Service opens {day} at {clock}"


def add_working_days(
    schedule: Schedule, calendar: HolidayCalendar, start: datetime, days: int
) -> datetime | None:
    """Return the close of the days-th working day after start's local date, or None within a year.

    A working day is one on which the centre has hours (so its holidays and 调休 count as it keeps
    them); the day of start itself never counts, so a deadline always leaves whole working days."""
    _require(days >= 1, f"days must be at least 1, got {days}")
    day, counted = _local(start, "start").date(), 0
    for _ in range(LOOKAHEAD_DAYS):
        day += timedelta(days=1)
        spans = schedule.spans_on(day, calendar)
        if spans:
            counted += 1
            if counted == days:
                return _at(day, spans[-1][1])
    return None


# The national working week (weekdays, holidays off, 调休 weekend days on), for a centre
# that keeps no hours of its own.
OFFICE_WEEK = Schedule(
    weekly=tuple(((9 * 60, 18 * 60),) if day < 5 else () for day in range(7)),
    observe_holidays=True,
)
