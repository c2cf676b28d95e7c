"""Region -> operations centre, queue order and positions, estimated wait, centre hours."""

import math
import time
from datetime import timedelta

from . import hours as hours_mod
from .errors import ZhengnaError

ALL_DAY = {
    "weekly": {
        day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    },
    "observe_holidays": False,
}
NEVER = {
    "weekly": {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    "observe_holidays": True,
}


def estimate_wait(position, agents_online, handle_time):
    """Return the expected seconds until an agent takes the task at position (1 = next).

    Each online agent frees up about once per handle_time, so the queue drains at
    agents_online / handle_time tasks a second; with nobody online we still quote one agent.
    """
    agents = max(1, agents_online)
    return int(math.ceil(position / agents) * handle_time)


CACHE_SECONDS = (
    30.0  # holiday years and handling times change rarely; other processes see edits this late
)
HANDLE_WINDOW = timedelta(days=7)  # "recent" handling times: the last week's conversations


class Router:
    """Answers where a taxpayer's request goes, whether that centre is open, and how long the wait
    is."""

    def __init__(self, store, clock, default_handle_time=300.0, shipped=None):
        self.store = store
        self.clock = clock
        self.default_handle_time = default_handle_time
        self.shipped = shipped or hours_mod.HolidayCalendar.load()
        self._cache = {}  # key -> (expires, value)

    def _cached(self, key, compute):
        hit = self._cache.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        value = compute()
        self._cache[key] = (time.monotonic() + CACHE_SECONDS, value)
        return value

    def forget(self):
        """Drop cached holiday years and handling times (after an administrator's edit)."""
        self._cache.clear()

    @property
    def calendar(self):
        """Return the national holiday calendar: the shipped years plus those an administrator
        entered."""

        def build():
            calendar = self.shipped
            for data in self.store.directory.holiday_years():
                calendar = calendar.with_year(data)
            return calendar

        return self._cached("calendar", build)

    def handle_time(self, centre_id):
        """Return the centre's mean handling time in seconds over the last week (a default until it
        has some)."""

        def compute():
            times = self.store.conversations.handle_times(centre_id, self.clock() - HANDLE_WINDOW)
            return sum(times) / len(times) if times else self.default_handle_time

        return self._cached(("handle", centre_id), compute)

    def region(self, code):
        """Return the region row for a tax-office code, or raise a clear error."""
        region = self.store.directory.get_region(code)
        if region is None:
            raise ZhengnaError("region_unknown", code=code)
        return region

    def centre_status(self, centre_id, centre=None):
        """Return the centre's HoursStatus now (centre: its row, when the caller has read it)."""
        centre = centre or self.store.directory.get_centre(centre_id)
        schedule = hours_mod.Schedule.from_dict(centre["schedule"])
        return hours_mod.status(schedule, self.calendar, self.clock())

    def centre_view(self, centre_id, status=None):
        """Return a centre's name and whether it serves now, with its next opening (as clients see
        it)."""
        centre = self.store.directory.get_centre(centre_id)
        status = status or self.centre_status(centre_id, centre)
        return {
            "id": centre_id,
            "name": centre["name"],
            "open": status.open,
            "next_open": status.next_open.isoformat() if status.next_open else None,
            "closes_at": status.closes_at.isoformat() if status.closes_at else None,
        }

    def require_open(self, centre_id):
        """Raise centre_closed (with the next opening) unless the centre serves now."""
        status = self.centre_status(centre_id)
        if status.open:
            return status
        now = self.clock()
        detail = {"next_open": status.next_open.isoformat() if status.next_open else None}
        if status.next_open is None:
            raise ZhengnaError("centre_closed.unscheduled", detail)
        raise ZhengnaError(
            "centre_closed",
            detail,
            next_zh=hours_mod.format_next_open(status.next_open, "zh-CN", now),
            next_en=hours_mod.format_next_open(status.next_open, "en", now),
        )
