"""Daily rollups of report_facts: the additive measures of each day, hour and centre (and of each
day and agent, and the rating reasons of each day and centre), for days that are over.

A day is rolled up the first time a report needs it; any change to one of its conversations removes
the day from report_rolled_days in the same transaction, so the next report rolls it up again.
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, delete, func, insert, literal, select

from .schema import (
    rating_reasons,
    report_agent_days,
    report_facts,
    report_hours,
    report_reason_days,
    report_rolled_days,
)

F = report_facts.c
WAIT_BUCKETS = ((0, 10), (10, 30), (30, 60), (60, 120), (120, 300), (300, None))  # seconds
SERVED = F.accepted_at.is_not(None)
RATED = and_(F.score.is_not(None), F.rating_removed.is_(False))
ABANDONED = F.state.in_(("cancelled", "expired"))


def count(condition):
    """SUM of 1 where condition holds (0 when no row)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def total(column):
    """SUM of column (0 when no row)."""
    return func.coalesce(func.sum(column), 0)


def bucket_name(bucket) -> str:
    """wait_10_30s, ..., wait_300s_plus."""
    low, high = bucket
    return f"wait_{low}_{high}s" if high is not None else f"wait_{low}s_plus"


def _in_bucket(bucket):
    low, high = bucket
    return and_(F.wait_s >= low, F.wait_s < high) if high is not None else F.wait_s >= low


def measures() -> dict:
    """The additive measures of a set of report_facts rows, as SQL aggregates (name ->
    expression)."""
    return {
        "requests": func.count(),
        "bot_resolved": count(and_(F.state == "ended", F.queued_at.is_(None))),
        "handed_to_human": count(F.queued_at.is_not(None)),
        "abandoned": count(ABANDONED),
        "served": count(SERVED),
        "answered_30": count(and_(SERVED, F.wait_s <= 30)),
        "answered_60": count(and_(SERVED, F.wait_s <= 60)),
        "transfers": total(F.transfers),
        "requeues": total(F.requeues),
        "calls": total(F.calls),
        "call_s": total(F.call_s),
        "rated": count(RATED),
        "ratings_removed": count(and_(F.score.is_not(None), F.rating_removed.is_(True))),
        "handled": count(and_(SERVED, F.handling_s.is_not(None))),
        "wait_sum": total(case((SERVED, F.wait_s), else_=0)),
        **{f"rating_{n}": count(and_(RATED, F.score == n)) for n in range(1, 6)},
        **{bucket_name(b): count(and_(SERVED, _in_bucket(b))) for b in WAIT_BUCKETS},
    }


def agent_measures() -> dict:
    """The additive per-agent measures (of served conversations)."""
    return {
        "served": func.count(),
        "handling_s": total(F.handling_s),
        "handled": count(F.handling_s.is_not(None)),
        "transfers": total(F.transfers),
        "rated": count(RATED),
        "score_sum": total(case((RATED, F.score), else_=0)),
        "good": count(and_(RATED, F.score >= 3)),  # 好评: 基本满意 or better
    }


def day_bounds(day: date, zone) -> tuple[datetime, datetime]:
    """Return [start, end) of a local day."""
    start = datetime.combine(day, time(), zone)
    return start, start + timedelta(days=1)


def roll(conn, day: date, zone, now: datetime) -> None:
    """(Re)build the rollups of one day, in the caller's transaction."""
    key = day.isoformat()
    start, end = day_bounds(day, zone)
    in_day = and_(F.created_at >= start, F.created_at < end)
    for table in (report_hours, report_agent_days, report_reason_days, report_rolled_days):
        conn.execute(delete(table).where(table.c.day == key))
    hours = measures()
    conn.execute(
        insert(report_hours).from_select(
            ["day", "hour", "centre_id", *hours],
            select(literal(key), F.hour, F.centre_id, *hours.values())
            .where(in_day)
            .group_by(F.hour, F.centre_id),
        )
    )
    people = agent_measures()
    conn.execute(
        insert(report_agent_days).from_select(
            ["day", "agent_id", "centre_id", *people],
            select(literal(key), F.agent_id, F.centre_id, *people.values())
            .where(in_day, SERVED, F.agent_id.is_not(None))
            .group_by(F.agent_id, F.centre_id),
        )
    )
    conn.execute(
        insert(report_reason_days).from_select(
            ["day", "centre_id", "tag", "count"],
            select(literal(key), F.centre_id, rating_reasons.c.tag, func.count())
            .select_from(report_facts)
            .join(rating_reasons, rating_reasons.c.interaction_id == F.interaction_id)
            .where(in_day, RATED)
            .group_by(F.centre_id, rating_reasons.c.tag),
        )
    )
    conn.execute(insert(report_rolled_days).values(day=key, rolled_at=now))


def ensure(engine, days: list[date], zone, now: datetime) -> None:
    """Roll up those of days (all over) that are not up to date, one transaction a day."""
    if not days:
        return
    keys = [d.isoformat() for d in days]
    with engine.connect() as conn:
        done = set(
            conn.execute(
                select(report_rolled_days.c.day).where(
                    report_rolled_days.c.day.between(keys[0], keys[-1])
                )
            ).scalars()
        )
    for day in days:
        if day.isoformat() not in done:
            with engine.begin() as conn:
                roll(conn, day, zone, now)


def stale(conn, day: str) -> None:
    """A conversation of day changed: its rollups must be built again."""
    conn.execute(delete(report_rolled_days).where(report_rolled_days.c.day == day))
