"""差评回访 and 申诉复核: follow-ups of poor ratings (working-day deadline), appeals of ratings."""

from __future__ import annotations

from . import hours, states
from .errors import ZhengnaError
from .scope import require_scope

POOR = 2  # 不满意 (2) and 非常不满意 (1) open a follow-up
APPEALABLE = 3  # an agent may appeal a rating of 基本满意 (3) or lower


class Reviews:
    """Follow-ups and appeals of one deployment; every decision audited."""

    def __init__(self, service):
        self.service, self.store = service, service.store

    # -- follow-ups (差评回访) ---------------------------------------------------------------------

    def followup_for(self, interaction, score, agent_id, now):
        """Return the follow-up row a rating opens (stored with it), or None for a good one."""
        if score > POOR:
            return None
        return {
            "interaction_id": interaction.id,
            "centre_id": interaction.centre_id,
            "agent_id": agent_id,
            "score": score,
            "status": "open",
            "due_at": self.due(interaction.centre_id, now),
            "note": "",
            "created_at": now,
        }

    def due(self, centre_id, now):
        """Return when a follow-up opened now is due: FOLLOWUP_DAYS of the centre's working days."""
        router, days = self.service.router, self.service.config["FOLLOWUP_DAYS"]
        schedule = hours.Schedule.from_dict(self.store.directory.get_centre(centre_id)["schedule"])
        return hours.add_working_days(
            schedule, router.calendar, now, days
        ) or hours.add_working_days(hours.OFFICE_WEEK, router.calendar, now, days)

    def followups(self, agent):
        """Return the follow-ups a supervisor may see, overdue ones marked, with who took part."""
        centre = None if agent["role"] == "admin" else agent["centre_id"]
        now, names = self.service.clock(), self._names()
        return [
            self._with_people(_followup_view(row, now), names)
            for row in self.store.ratings.followups_in(centre)
        ]

    def close_followup(self, agent, interaction_id, note):
        """Close a follow-up with what was done (contacted, explained, corrected)."""
        row = self._followup(agent, interaction_id)
        target = states.next_review_status("followup", row["status"], "close", _role(agent))
        now = self.service.clock()
        if not self.store.ratings.decide_followup(
            interaction_id, "open", status=target, note=note, closed_at=now, closed_by=agent["id"]
        ):
            raise states.IllegalTransition("closed", "followup.close", _role(agent))
        self.service.audit(agent, "followup_close", interaction_id, {"note": note})
        return self._with_people(
            _followup_view(self.store.ratings.get_followup(interaction_id), now), self._names()
        )

    def _followup(self, agent, interaction_id):
        row = self.store.ratings.get_followup(interaction_id)
        if row is None:
            raise _missing()
        require_scope(agent, row["centre_id"])
        return row

    # -- appeals (申诉复核) ------------------------------------------------------------------------

    def my_ratings(self, agent):
        """Return the ratings of the agent's own conversations with the state of any appeal."""
        appeals = {
            a["interaction_id"]: a for a in self.store.ratings.appeals_in(agent_id=agent["id"])
        }
        return [
            {
                **_rating_view(row),
                "appeal": appeals.get(row["interaction_id"], {}).get("status"),
                "appealable": row["score"] <= APPEALABLE and row["interaction_id"] not in appeals,
            }
            for row in self.store.ratings.evaluations_by_agent(agent["id"])
        ]

    def appeal(self, agent, interaction_id, reason):
        """Appeal a rating of the agent's own conversation; one appeal per rating."""
        rating = self.store.ratings.get_evaluation(interaction_id)
        if rating is None or rating["agent_id"] != agent["id"]:
            raise ZhengnaError("not_found.rating")
        if rating["score"] > APPEALABLE:
            raise ZhengnaError("not_appealable")
        row = {
            "interaction_id": interaction_id,
            "centre_id": rating["centre_id"],
            "agent_id": agent["id"],
            "reason": reason,
            "status": "open",
            "created_at": self.service.clock(),
        }
        try:
            self.store.ratings.create_appeal(row)
        except ValueError:
            raise ZhengnaError("already_appealed") from None
        self.service.audit(agent, "appeal", interaction_id, {"reason": reason})
        return row

    def appeals(self, agent):
        """Return the appeals a supervisor may decide, with their ratings."""
        centre = None if agent["role"] == "admin" else agent["centre_id"]
        names = self._names()
        return [self._appeal_view(row, names) for row in self.store.ratings.appeals_in(centre)]

    def decide(self, agent, interaction_id, decision):
        """Keep the appealed rating in the figures, or remove it (the original stays, marked)."""
        row = self.store.ratings.get_appeal(interaction_id)
        if row is None:
            raise _missing()
        require_scope(agent, row["centre_id"])
        target = states.next_review_status("appeal", row["status"], decision, _role(agent))
        if not self.store.ratings.decide_appeal(
            interaction_id, target, agent["id"], self.service.clock()
        ):
            raise states.IllegalTransition("decided", f"appeal.{decision}", _role(agent))
        self.service.audit(agent, f"appeal_{decision}", interaction_id, {})
        return self._appeal_view(self.store.ratings.get_appeal(interaction_id), self._names())

    # -- views -------------------------------------------------------------------------------------

    def _names(self):
        return {a["id"]: a["display_name"] for a in self.store.directory.agents_of()}

    def _with_people(self, item, names):
        interaction = self.store.conversations.get_interaction(item["interaction_id"])
        return {
            **item,
            "agent_name": names.get(item["agent_id"], ""),
            "person": interaction.person_name,
            "enterprise": interaction.enterprise,
        }

    def _appeal_view(self, row, names):
        rating = self.store.ratings.get_evaluation(row["interaction_id"])
        return self._with_people(
            {
                "interaction_id": row["interaction_id"],
                "agent_id": row["agent_id"],
                "reason": row["reason"],
                "status": row["status"],
                "created_at": row["created_at"].isoformat(),
                "decided_at": row["decided_at"].isoformat() if row["decided_at"] else None,
                "rating": _rating_view(rating),
            },
            names,
        )


def _role(agent):
    """Supervisors and administrators decide follow-ups and appeals."""
    return states.SUPERVISOR if agent["role"] in ("supervisor", "admin") else agent["role"]


def _missing():
    return ZhengnaError("not_found.record")


def _followup_view(row, now):
    overdue = row["status"] == "open" and row["due_at"] < now
    return {
        "interaction_id": row["interaction_id"],
        "agent_id": row["agent_id"],
        "score": row["score"],
        "status": "overdue" if overdue else row["status"],
        "due_at": row["due_at"].isoformat(),
        "note": row["note"],
        "created_at": row["created_at"].isoformat(),
        "closed_at": row["closed_at"].isoformat() if row["closed_at"] else None,
    }


def _rating_view(row):
    return {
        "interaction_id": row["interaction_id"],
        "score": row["score"],
        "tags": row["tags"],
        "comment": row["comment"],
        "created_at": row["created_at"].isoformat(),
        "removed": row["removed_at"] is not None,
    }
