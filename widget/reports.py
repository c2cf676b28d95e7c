"""Operations-centre figures over a range of days (Beijing time), from SQL: the daily rollups of the
days that are over (store/rollups.py) plus report_facts for today.

Definitions (docs/REPORTS.md): a conversation counts in the range it was created in. Nothing here
loads conversations into Python: every figure is an aggregate, a GROUP BY or one row picked by its
rank (percentiles, over report_facts' covering index).
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select

from .errors import ZhengnaError
from .store import rollups
from .store.facts import BEIJING
from .store.schema import (
    UTCDateTime,
    agent_presence,
    agents,
    leave_messages,
    rating_reasons,
    report_agent_days,
    report_facts,
    report_hours,
    report_reason_days,
)

RANGES = ("today", "7d", "month", "custom")
MAX_DAYS = (
    366  # a custom range of at most a year: enough for any comparison, bounded for the database
)
WAIT_BUCKETS = rollups.WAIT_BUCKETS
F = report_facts.c
SERVED, RATED = rollups.SERVED, rollups.RATED


def visible_centres(agent: dict) -> tuple[str, ...] | None:
    """Return the centres whose figures an account may see: None for every centre (administrators),
    else the centres listed. The one place this rule lives for reports, exports and search."""
    if agent["role"] == "admin":
        return None
    if agent["role"] == "supervisor":
        return (agent["centre_id"],)
    raise ZhengnaError("forbidden.reports")


@dataclass(frozen=True)
class Period:
    """A range of whole Beijing days: [start, end) in UTC, and its first and last day."""

    name: str
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), BEIJING)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), BEIJING)

    def days(self) -> list[str]:
        """Return every day of the range as YYYY-MM-DD."""
        count = (self.last - self.first).days + 1
        return [(self.first + timedelta(days=i)).isoformat() for i in range(count)]


def period(
    name: str, now: datetime, first: str = "", last: str = "", max_days: int | None = MAX_DAYS
) -> Period:
    """Return the Period for a range name (today, 7d, month, custom with first/last YYYY-MM-DD;
    max_days None: a custom range of any length, as searches use)."""
    today = now.astimezone(BEIJING).date()
    if name == "today":
        return Period(name, today, today)
    if name == "7d":
        return Period(name, today - timedelta(days=6), today)
    if name == "month":
        return Period(name, today.replace(day=1), today)
    if name != "custom":
        raise ZhengnaError("bad_range")
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except (TypeError, ValueError):
        raise ZhengnaError("bad_range.dates") from None
    if start > end:
        raise ZhengnaError("bad_range.order")
    if max_days is not None and (end - start).days >= max_days:
        raise ZhengnaError("bad_range.too_long")
    return Period(name, start, end)


@dataclass(frozen=True)
class Scope:
    """Which conversations a report covers: a period, the centres (None: all), one agent or all."""

    period: Period
    centres: tuple[str, ...] | None = None
    agent_id: str | None = None

    def where(self):
        """Return the WHERE clause on report_facts."""
        clauses = [F.created_at >= self.period.start, F.created_at < self.period.end]
        if self.centres is not None:
            clauses.append(F.centre_id.in_(self.centres))
        if self.agent_id is not None:
            clauses.append(F.agent_id == self.agent_id)
        return and_(*clauses)


M = rollups.measures()  # name -> aggregate over report_facts; the same columns in report_hours
A = rollups.agent_measures()
H, AD, RD = report_hours.c, report_agent_days.c, report_reason_days.c


def _split(scope: Scope, now: datetime) -> tuple[list[date], Scope | None]:
    """Return the days of scope that are over (read from rollups) and the scope of the rest (read
    from report_facts). An agent's figures always come from report_facts (its index finds them at
    once)."""
    today = now.astimezone(BEIJING).date()
    p = scope.period
    if scope.agent_id is not None or p.first >= today:
        return [], scope
    over = [
        p.first + timedelta(days=i)
        for i in range((min(p.last, today - timedelta(1)) - p.first).days + 1)
    ]
    live = None
    if p.last >= today:
        live = Scope(Period(p.name, today, p.last), scope.centres, scope.agent_id)
    return over, live


def ready(store, scope: Scope, now: datetime) -> None:
    """Make sure the rollups of scope's days that are over are up to date."""
    over, _ = _split(scope, now)
    rollups.ensure(store.engine, over, BEIJING, now)


RECENT_DAYS = 31  # days rolled up ahead of time, so a month's report never waits for them


def roll_recent(store, now: datetime) -> None:
    """Roll up the last RECENT_DAYS days that are over (the sweeper calls this every hour)."""
    today = now.astimezone(BEIJING).date()
    recent = Period("custom", today - timedelta(days=RECENT_DAYS), today - timedelta(days=1))
    ready(store, Scope(recent), now)


def _rolled_where(columns, over: list[date], scope: Scope):
    clauses = [columns.day.between(over[0].isoformat(), over[-1].isoformat())]
    if scope.centres is not None:
        clauses.append(columns.centre_id.in_(scope.centres))
    return and_(*clauses)


def _add(into: dict, row) -> None:
    for name, value in row.items():
        into[name] = into.get(name, 0) + int(value or 0)


def summary(conn, scope: Scope, now: datetime) -> dict:
    """Return the headline figures (names as in docs/REPORTS.md)."""
    over, live = _split(scope, now)
    out: dict[str, Any] = dict.fromkeys(M, 0)  # counts, then shares and seconds (or None)
    if over:
        sums = [func.coalesce(func.sum(H[name]), 0).label(name) for name in M]
        _add(out, conn.execute(select(*sums).where(_rolled_where(H, over, scope))).mappings().one())
    if live is not None:
        columns = [expr.label(name) for name, expr in M.items()]
        _add(out, conn.execute(select(*columns).where(live.where())).mappings().one())
    served = out["served"]
    out["answered_30s"] = _share(out.pop("answered_30"), served)
    out["answered_60s"] = _share(out.pop("answered_60"), served)
    out["call_avg_s"] = round(out["call_s"] / out["calls"]) if out["calls"] else None
    out.pop("wait_sum")
    where = scope.where()
    out["wait_p50_s"] = _percentile(conn, F.wait_s, and_(where, SERVED), served, 0.5)
    out["wait_p90_s"] = _percentile(conn, F.wait_s, and_(where, SERVED), served, 0.9)
    handled = out.pop("handled")
    handled_where = and_(where, SERVED, F.handling_s.is_not(None))
    out["handling_p50_s"] = _percentile(conn, F.handling_s, handled_where, handled, 0.5)
    scored = sum(out[f"rating_{n}"] for n in range(1, 6))
    good = out["rating_5"] + out["rating_4"] + out["rating_3"]  # 好评: 非常满意, 满意, 基本满意
    out["satisfied"] = _share(good, scored)
    return out


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _percentile(conn, column, where, count: int, p: float) -> int | None:
    """Return the nearest-rank p-th percentile of column among count rows matching where."""
    if not count:
        return None
    rank = max(1, math.ceil(p * count))
    query = select(column).where(where).order_by(column).offset(rank - 1).limit(1)
    return conn.execute(query).scalar()


_TIMELINE = ("requests", "served", "abandoned", "wait_sum")


def _timeline(conn, scope: Scope, now: datetime) -> dict:
    """Return {(day, hour): {requests, served, abandoned, wait_sum}} of scope."""
    over, live = _split(scope, now)
    found: dict = {}
    queries = []
    if over:
        sums = [func.sum(H[name]).label(name) for name in _TIMELINE]
        queries.append(
            select(H.day, H.hour, *sums)
            .where(_rolled_where(H, over, scope))
            .group_by(H.day, H.hour)
        )
    if live is not None:
        queries.append(
            select(F.day, F.hour, *[M[name].label(name) for name in _TIMELINE])
            .where(live.where())
            .group_by(F.day, F.hour)
        )
    for query in queries:
        for row in conn.execute(query).mappings():
            _add(found.setdefault((row["day"], row["hour"]), {}), {k: row[k] for k in _TIMELINE})
    return found


def by_hour(conn, scope: Scope, now: datetime) -> list[dict]:
    """Return requests, served and abandoned by Beijing hour of day (0-23, every hour present)."""
    hours = {h: dict.fromkeys(_TIMELINE, 0) for h in range(24)}
    for (_, hour), row in _timeline(conn, scope, now).items():
        _add(hours[hour], row)
    return [
        {"hour": h, **{k: hours[h][k] for k in ("requests", "served", "abandoned")}}
        for h in range(24)
    ]


def by_day(conn, scope: Scope, now: datetime) -> list[dict]:
    """Return requests, served, abandoned and the mean wait of the served ones, by day of the
    range."""
    days = {day: dict.fromkeys(_TIMELINE, 0) for day in scope.period.days()}
    for (day, _), row in _timeline(conn, scope, now).items():
        if day in days:
            _add(days[day], row)
    return [
        {
            "day": day,
            **{k: row[k] for k in ("requests", "served", "abandoned")},
            "wait_avg_s": round(row["wait_sum"] / row["served"]) if row["served"] else None,
        }
        for day, row in days.items()
    ]


def reasons(conn, scope: Scope, now: datetime) -> list[dict]:
    """Return the 好差评 reasons with how often each was given (removed ratings left out)."""
    over, live = _split(scope, now)
    counts: dict = {}
    if over:
        query = (
            select(RD.tag, func.sum(RD.count).label("count"))
            .where(_rolled_where(RD, over, scope))
            .group_by(RD.tag)
        )
        for row in conn.execute(query).mappings():
            counts[row["tag"]] = counts.get(row["tag"], 0) + int(row["count"])
    if live is not None:
        query = (
            select(rating_reasons.c.tag, func.count().label("count"))
            .join(report_facts, F.interaction_id == rating_reasons.c.interaction_id)
            .where(live.where(), RATED)
            .group_by(rating_reasons.c.tag)
        )
        for row in conn.execute(query).mappings():
            counts[row["tag"]] = counts.get(row["tag"], 0) + int(row["count"])
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"tag": tag, "count": n} for tag, n in ranked]


def _epoch(conn, column):
    """Seconds since the epoch of a timestamp column, in this database's dialect."""
    if conn.dialect.name == "postgresql":
        return func.extract("epoch", column)
    return func.julianday(column) * 86400.0


def _agent_sums(conn, scope: Scope, now: datetime) -> dict:
    """Return {agent id: the additive per-agent measures} of scope."""
    over, live = _split(scope, now)
    found: dict = {}
    queries = []
    if over:
        sums = [func.sum(AD[name]).label(name) for name in A]
        queries.append(
            select(AD.agent_id, *sums).where(_rolled_where(AD, over, scope)).group_by(AD.agent_id)
        )
    if live is not None:
        queries.append(
            select(F.agent_id, *[expr.label(name) for name, expr in A.items()])
            .where(live.where(), SERVED, F.agent_id.is_not(None))
            .group_by(F.agent_id)
        )
    for query in queries:
        for row in conn.execute(query).mappings():
            _add(found.setdefault(row["agent_id"], {}), {k: row[k] for k in A})
    return found


def per_agent(conn, scope: Scope, now: datetime) -> list[dict]:
    """Return each agent's figures: served, handling, load, online and 暂离 time, ratings."""
    rows = _agent_sums(conn, scope, now)
    times = _presence_seconds(conn, scope, now)
    people = select(agents.c.id, agents.c.display_name, agents.c.username, agents.c.centre_id)
    if scope.centres is not None:
        people = people.where(or_(agents.c.centre_id.in_(scope.centres), agents.c.id.in_(rows)))
    if scope.agent_id is not None:
        people = people.where(agents.c.id == scope.agent_id)
    out = []
    for person in conn.execute(people.order_by(agents.c.username)).mappings():
        row = rows.get(person["id"], {})
        online = times.get((person["id"], "online"), 0)
        away = times.get((person["id"], "away"), 0)
        if not row and not online and not away:
            continue
        handling, handled, rated = (row.get(k, 0) for k in ("handling_s", "handled", "rated"))
        out.append(
            {
                "agent_id": person["id"],
                "name": person["display_name"],
                "username": person["username"],
                "centre_id": person["centre_id"],
                "served": row.get("served", 0),
                "handling_s": handling,
                "handling_avg_s": round(handling / handled) if handled else None,
                "transfers": row.get("transfers", 0),
                "online_s": online,
                "away_s": away,
                "load": round(handling / (online + away), 2) if online + away else None,
                "rated": rated,
                "score_avg": round(row["score_sum"] / rated, 2) if rated else None,
                "satisfied": _share(row.get("good", 0), rated),
            }
        )
    return out


def _presence_seconds(conn, scope: Scope, now: datetime) -> dict:
    """Return {(agent id, status): seconds online or away inside the period} (open stretches: to
    now)."""
    P = agent_presence.c
    cap = min(now, scope.period.end)
    start = literal(scope.period.start, UTCDateTime)
    stop = literal(cap, UTCDateTime)
    clipped_start = case((P.started_at < start, start), else_=P.started_at)
    clipped_end = case((or_(P.ended_at.is_(None), P.ended_at > stop), stop), else_=P.ended_at)
    seconds = func.sum(_epoch(conn, clipped_end) - _epoch(conn, clipped_start))
    query = (
        select(P.agent_id, P.status, seconds.label("seconds"))
        .where(P.started_at < stop, or_(P.ended_at.is_(None), P.ended_at > start))
        .group_by(P.agent_id, P.status)
    )
    if scope.centres is not None:
        query = query.where(P.centre_id.in_(scope.centres))
    if scope.agent_id is not None:
        query = query.where(P.agent_id == scope.agent_id)
    return {
        (row["agent_id"], row["status"]): max(0, round(float(row["seconds"] or 0)))
        for row in conn.execute(query).mappings()
    }


def messages_left(conn, scope: Scope) -> dict:
    """Return the messages left (留言) in the period, how many were handled and the median time
    to it."""
    L = leave_messages.c
    where = [L.created_at >= scope.period.start, L.created_at < scope.period.end]
    if scope.centres is not None:
        where.append(L.centre_id.in_(scope.centres))
    row = (
        conn.execute(
            select(
                func.count().label("left"),
                rollups.count(L.handled_at.is_not(None)).label("answered"),
            )
            .select_from(leave_messages)
            .where(*where)
        )
        .mappings()
        .one()
    )
    answered = int(row["answered"] or 0)
    wait = _epoch(conn, L.handled_at) - _epoch(conn, L.created_at)
    p50 = None
    if answered:
        rank = max(1, math.ceil(0.5 * answered))
        value = conn.execute(
            select(wait)
            .where(*where, L.handled_at.is_not(None))
            .order_by(wait)
            .offset(rank - 1)
            .limit(1)
        ).scalar()
        p50 = round(float(value)) if value is not None else None
    return {
        "messages_left": int(row["left"] or 0),
        "messages_left_answered": answered,
        "messages_left_answer_p50_s": p50,
    }


def report(store, scope: Scope, now: datetime) -> dict:
    """Return everything the reports page shows for scope."""
    ready(store, scope, now)
    with store.engine.connect() as conn:
        figures = summary(conn, scope, now)
        if scope.agent_id is None:
            figures.update(messages_left(conn, scope))
        return {
            "range": {
                "name": scope.period.name,
                "from": scope.period.first.isoformat(),
                "to": scope.period.last.isoformat(),
            },
            "centres": list(scope.centres) if scope.centres is not None else None,
            "figures": figures,
            "by_hour": by_hour(conn, scope, now),
            "by_day": by_day(conn, scope, now),
            "reasons": reasons(conn, scope, now),
            "agents": per_agent(conn, scope, now),
        }
