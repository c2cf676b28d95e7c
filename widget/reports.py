"""Operations-centre figures over a range of days (Beijing time), from SQL over report_facts.

Definitions (docs/REPORTS.md): a conversation counts in the range it was created in. Nothing here
loads conversations into Python: every figure is an aggregate, a GROUP BY or one row picked by its
rank.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, literal, or_, select

from .errors import Forbidden, ZhengnaError
from .store.facts import BEIJING
from .store.schema import (
    UTCDateTime,
    agent_presence,
    agents,
    leave_messages,
    rating_reasons,
    report_facts,
)

RANGES = ("today", "7d", "month", "custom")
MAX_DAYS = (
    366  # a custom range of at most a year: enough for any comparison, bounded for the database
)
WAIT_BUCKETS = ((0, 10), (10, 30), (30, 60), (60, 120), (120, 300), (300, None))  # seconds
F = report_facts.c


def visible_centres(agent: dict) -> tuple[str, ...] | None:
    """Return the centres whose figures an account may see: None for every centre (administrators),
    else the centres listed. The one place this rule lives for reports, exports and search."""
    if agent["role"] == "admin":
        return None
    if agent["role"] == "supervisor":
        return (agent["centre_id"],)
    raise Forbidden("forbidden", "您没有权限查看报表。", "Your role may not see reports.")


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


def _bad(zh: str, en: str) -> ZhengnaError:
    return ZhengnaError("bad_range", zh, en)


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
        raise _bad(
            "时间范围应为今天、7 天、本月或自定义。", "range must be today, 7d, month or custom."
        )
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except (TypeError, ValueError):
        raise _bad(
            "请填写开始和结束日期（年-月-日）。", "Give a start and an end date (YYYY-MM-DD)."
        ) from None
    if start > end:
        raise _bad("开始日期不能晚于结束日期。", "The start date is after the end date.")
    if max_days is not None and (end - start).days >= max_days:
        raise _bad("自定义范围最长一年。", "A custom range spans at most a year.")
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


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_SERVED = F.accepted_at.is_not(None)
_RATED = and_(F.score.is_not(None), F.rating_removed.is_(False))


def summary(conn, scope: Scope) -> dict:
    """Return the headline figures (names as in docs/REPORTS.md)."""
    columns = {
        "requests": func.count(),
        "bot_resolved": _count(and_(F.state == "ended", F.queued_at.is_(None))),
        "handed_to_human": _count(F.queued_at.is_not(None)),
        "abandoned": _count(F.state.in_(("cancelled", "expired"))),
        "served": _count(_SERVED),
        "answered_30": _count(and_(_SERVED, F.wait_s <= 30)),
        "answered_60": _count(and_(_SERVED, F.wait_s <= 60)),
        "transfers": func.coalesce(func.sum(F.transfers), 0),
        "requeues": func.coalesce(func.sum(F.requeues), 0),
        "calls": func.coalesce(func.sum(F.calls), 0),
        "call_s": func.coalesce(func.sum(F.call_s), 0),
        "rated": _count(_RATED),
        "ratings_removed": _count(and_(F.score.is_not(None), F.rating_removed.is_(True))),
        "handled": _count(F.handling_s.is_not(None) & _SERVED),
        **{f"rating_{n}": _count(and_(_RATED, F.score == n)) for n in range(1, 6)},
        **{f"wait_{_bucket_name(b)}": _count(and_(_SERVED, _in_bucket(b))) for b in WAIT_BUCKETS},
    }
    row = (
        conn.execute(select(*[c.label(name) for name, c in columns.items()]).where(scope.where()))
        .mappings()
        .one()
    )
    out = {name: int(value or 0) for name, value in row.items()}
    served = out["served"]
    out["answered_30s"] = _share(out.pop("answered_30"), served)
    out["answered_60s"] = _share(out.pop("answered_60"), served)
    out["call_avg_s"] = round(out["call_s"] / out["calls"]) if out["calls"] else None
    where = scope.where()
    out["wait_p50_s"] = _percentile(conn, F.wait_s, and_(where, _SERVED), served, 0.5)
    out["wait_p90_s"] = _percentile(conn, F.wait_s, and_(where, _SERVED), served, 0.9)
    handled = out.pop("handled")
    handled_where = and_(where, _SERVED, F.handling_s.is_not(None))
    out["handling_p50_s"] = _percentile(conn, F.handling_s, handled_where, handled, 0.5)
    scored = sum(out[f"rating_{n}"] for n in range(1, 6))
    good = out["rating_5"] + out["rating_4"] + out["rating_3"]  # 好评: 非常满意, 满意, 基本满意
    out["satisfied"] = _share(good, scored)
    return out


def _bucket_name(bucket) -> str:
    low, high = bucket
    return f"{low}_{high}s" if high is not None else f"{low}s_plus"


def _in_bucket(bucket):
    low, high = bucket
    return and_(F.wait_s >= low, F.wait_s < high) if high is not None else F.wait_s >= low


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _percentile(conn, column, where, count: int, p: float) -> int | None:
    """Return the nearest-rank p-th percentile of column among count rows matching where."""
    if not count:
        return None
    rank = max(1, math.ceil(p * count))
    query = select(column).where(where).order_by(column).offset(rank - 1).limit(1)
    return conn.execute(query).scalar()


def by_hour(conn, scope: Scope) -> list[dict]:
    """Return requests, served and abandoned by Beijing hour of day (0-23, every hour present)."""
    query = (
        select(
            F.hour,
            func.count().label("requests"),
            _count(_SERVED).label("served"),
            _count(F.state.in_(("cancelled", "expired"))).label("abandoned"),
        )
        .where(scope.where())
        .group_by(F.hour)
    )
    found = {row["hour"]: row for row in conn.execute(query).mappings()}
    return [
        {
            "hour": h,
            **{
                k: int(found[h][k]) if h in found else 0
                for k in ("requests", "served", "abandoned")
            },
        }
        for h in range(24)
    ]


def by_day(conn, scope: Scope) -> list[dict]:
    """Return requests, served, abandoned and the median-free mean wait by day of the range."""
    query = (
        select(
            F.day,
            func.count().label("requests"),
            _count(_SERVED).label("served"),
            _count(F.state.in_(("cancelled", "expired"))).label("abandoned"),
            func.avg(F.wait_s).label("wait_avg_s"),
        )
        .where(scope.where())
        .group_by(F.day)
    )
    found = {row["day"]: row for row in conn.execute(query).mappings()}
    out = []
    for day in scope.period.days():
        row = found.get(day)
        out.append(
            {
                "day": day,
                "requests": int(row["requests"]) if row else 0,
                "served": int(row["served"]) if row else 0,
                "abandoned": int(row["abandoned"]) if row else 0,
                "wait_avg_s": round(float(row["wait_avg_s"]))
                if row and row["wait_avg_s"]
                else None,
            }
        )
    return out


def reasons(conn, scope: Scope) -> list[dict]:
    """Return the 好差评 reasons with how often each was given (removed ratings left out)."""
    query = (
        select(rating_reasons.c.tag, func.count().label("count"))
        .join(report_facts, F.interaction_id == rating_reasons.c.interaction_id)
        .where(scope.where(), _RATED)
        .group_by(rating_reasons.c.tag)
        .order_by(func.count().desc(), rating_reasons.c.tag)
    )
    return [
        {"tag": row["tag"], "count": int(row["count"])} for row in conn.execute(query).mappings()
    ]


def _epoch(conn, column):
    """Seconds since the epoch of a timestamp column, in this database's dialect."""
    if conn.dialect.name == "postgresql":
        return func.extract("epoch", column)
    return func.julianday(column) * 86400.0


def per_agent(conn, scope: Scope, now: datetime) -> list[dict]:
    """Return each agent's figures: served, handling, load, online and 暂离 time, ratings."""
    work = (
        select(
            F.agent_id,
            func.count().label("served"),
            func.coalesce(func.sum(F.handling_s), 0).label("handling_s"),
            func.avg(F.handling_s).label("handling_avg_s"),
            func.coalesce(func.sum(F.transfers), 0).label("transfers"),
            _count(_RATED).label("rated"),
            func.avg(case((_RATED, F.score), else_=None)).label("score_avg"),
            _count(and_(_RATED, F.score >= 3)).label("satisfied"),
        )
        .where(scope.where(), _SERVED, F.agent_id.is_not(None))
        .group_by(F.agent_id)
    )
    rows = {row["agent_id"]: dict(row) for row in conn.execute(work).mappings()}
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
        handling = int(row.get("handling_s") or 0)
        out.append(
            {
                "agent_id": person["id"],
                "name": person["display_name"],
                "username": person["username"],
                "centre_id": person["centre_id"],
                "served": int(row.get("served") or 0),
                "handling_s": handling,
                "handling_avg_s": round(float(row["handling_avg_s"]))
                if row.get("handling_avg_s") is not None
                else None,
                "transfers": int(row.get("transfers") or 0),
                "online_s": online,
                "away_s": away,
                "load": round(handling / (online + away), 2) if online + away else None,
                "rated": int(row.get("rated") or 0),
                "score_avg": round(float(row["score_avg"]), 2)
                if row.get("score_avg") is not None
                else None,
                "satisfied": _share(int(row.get("satisfied") or 0), int(row.get("rated") or 0)),
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
            select(func.count().label("left"), _count(L.handled_at.is_not(None)).label("answered"))
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
    with store.engine.connect() as conn:
        figures = summary(conn, scope)
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
            "by_hour": by_hour(conn, scope),
            "by_day": by_day(conn, scope),
            "reasons": reasons(conn, scope),
            "agents": per_agent(conn, scope, now),
        }
