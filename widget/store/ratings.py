"""Ratings of conversations and what follows them: 差评回访 (follow-ups of poor ratings) and
申诉复核 (agents' appeals). A rating is stored with its event in the conversation's log, in one
unit of work of the group writer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from . import facts
from .base import Row, Tables
from .conversations import Conversations
from .schema import appeals, evaluations, followups


class Ratings(Tables):
    """Evaluations (one per conversation), their follow-ups and appeals."""

    def __init__(self, engine: Engine, conversations: Conversations) -> None:
        super().__init__(engine)
        self.conversations = conversations  # a rating's event goes into its conversation's log

    def save_evaluation(self, row: Row, new_event: Row, followup: Row | None = None) -> list[Row]:
        """Store the one rating of an interaction with its event (and a poor one's follow-up).

        Raises ValueError if it was rated already."""

        def work(conn: Connection) -> list[Row]:
            conn.execute(insert(evaluations).values(**row))
            facts.rated(conn, row)
            if followup is not None:
                conn.execute(insert(followups).values(**followup))
            return self.conversations.append_in(conn, row["interaction_id"], [new_event])

        try:
            return self.conversations.writer.run(work)
        except IntegrityError:
            raise ValueError("already rated") from None

    def get_evaluation(self, interaction_id: str) -> Row | None:
        """Return the rating of an interaction, or None."""
        return self.one(select(evaluations).where(evaluations.c.interaction_id == interaction_id))

    def evaluations_of(self, centre_id: str, limit: int = 100) -> list[Row]:
        """Return a centre's ratings, newest first."""
        return self.rows(
            select(evaluations)
            .where(evaluations.c.centre_id == centre_id)
            .order_by(evaluations.c.created_at.desc())
            .limit(limit)
        )

    def evaluations_by_agent(self, agent_id: str, limit: int = 100) -> list[Row]:
        """Return the ratings of one agent's conversations, newest first."""
        return self.rows(
            select(evaluations)
            .where(evaluations.c.agent_id == agent_id)
            .order_by(evaluations.c.created_at.desc())
            .limit(limit)
        )

    def rating_figures(self) -> dict[str, tuple[int, int, int]]:
        """Return {centre id: (ratings, sum of scores, ratings of 4 or 5)}, removed left out."""
        satisfied = func.sum(case((evaluations.c.score >= 4, 1), else_=0))
        query = (
            select(evaluations.c.centre_id, func.count(), func.sum(evaluations.c.score), satisfied)
            .where(evaluations.c.removed_at.is_(None))
            .group_by(evaluations.c.centre_id)
        )
        with self.engine.connect() as conn:
            return {
                centre: (count, int(total or 0), int(good or 0))
                for centre, count, total, good in conn.execute(query)
            }

    # -- follow-ups of poor ratings ------------------------------------------------------------

    def followups_in(self, centre_id: str | None = None, limit: int = 200) -> list[Row]:
        """Return follow-ups (of one centre, or all), open ones first, soonest due first."""
        query = select(followups).order_by(
            case((followups.c.status == "open", 0), else_=1), followups.c.due_at
        )
        if centre_id is not None:
            query = query.where(followups.c.centre_id == centre_id)
        return self.rows(query.limit(limit))

    def get_followup(self, interaction_id: str) -> Row | None:
        """Return one follow-up, or None."""
        return self.one(select(followups).where(followups.c.interaction_id == interaction_id))

    def decide_followup(self, interaction_id: str, was: str, **values: Any) -> bool:
        """Change a follow-up still in status was; return True if it was."""
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    update(followups)
                    .where(followups.c.interaction_id == interaction_id, followups.c.status == was)
                    .values(**values)
                ).rowcount
                == 1
            )

    # -- appeals of ratings --------------------------------------------------------------------

    def create_appeal(self, row: Row) -> None:
        """Store an agent's appeal of a rating; raise ValueError if it was appealed before."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(appeals).values(**row))
        except IntegrityError:
            raise ValueError("already appealed") from None

    def appeals_in(
        self, centre_id: str | None = None, agent_id: str | None = None, limit: int = 200
    ) -> list[Row]:
        """Return appeals (of one centre or agent, or all), open ones first, oldest first."""
        query = select(appeals).order_by(
            case((appeals.c.status == "open", 0), else_=1), appeals.c.created_at
        )
        if centre_id is not None:
            query = query.where(appeals.c.centre_id == centre_id)
        if agent_id is not None:
            query = query.where(appeals.c.agent_id == agent_id)
        return self.rows(query.limit(limit))

    def get_appeal(self, interaction_id: str) -> Row | None:
        """Return one appeal, or None."""
        return self.one(select(appeals).where(appeals.c.interaction_id == interaction_id))

    def decide_appeal(self, interaction_id: str, status: str, by: str, at: datetime) -> bool:
        """Settle an open appeal; a removed rating is marked, never deleted. True if open."""
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(appeals)
                .where(appeals.c.interaction_id == interaction_id, appeals.c.status == "open")
                .values(status=status, decided_by=by, decided_at=at)
            ).rowcount
            if changed and status == "removed":
                conn.execute(
                    update(evaluations)
                    .where(evaluations.c.interaction_id == interaction_id)
                    .values(removed_at=at)
                )
                facts.rating_removed(conn, interaction_id)  # the reports leave it out too
            return changed == 1
