"""What taxpayers and agents do to interactions: validated, then committed and published through the
unit of work."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import gevent

from . import protocol, scope, states
from .errors import ProtocolError, ZhengnaError
from .models import Actor, Interaction
from .routing import estimate_wait
from .states import State
from .store import Conflict, Duplicate, new_id, new_time_id
from .unit_of_work import not_found

if TYPE_CHECKING:
    from .knowledge import Knowledge
    from .presence import Presence
    from .reviews import Reviews
    from .routing import Router
    from .unit_of_work import UnitOfWork

Row = dict[str, Any]  # a stored row as a dict: a person's session, an agent, an event, a file
Frame = dict[str, Any]  # a JSON frame for clients

_WRITABLE = {
    "taxpayer": (State.QUEUED, State.CONNECTED),
    "agent": (State.CONNECTED,),
}  # states open to messages and files
# Seconds a centre's queue changes gather before one push of the positions and the snapshot: short
# beside a wait for a person, long enough to take a burst of requests and accepts in one.
QUEUE_PUSH_WINDOW = 0.25

IDLE_REMINDER = "您已有一段时间没有发言，如无其他问题，本次互动将很快自动结束。"


class Service:
    """The interaction lifecycle: every change as a step of the unit of work (states.apply)."""

    def __init__(
        self,
        uow: UnitOfWork,
        router: Router,
        presence: Presence,
        config: Mapping[str, Any],
        knowledge: Knowledge | None = None,
    ) -> None:
        self.uow, self.router, self.presence = uow, router, presence
        self.store, self.bus, self.clock = uow.store, uow.bus, uow.clock
        self.config, self.knowledge = config, knowledge
        self.reviews: Reviews | None = None  # set by create_app: follow-ups of poor ratings
        self._queue_pushes: dict[str, Any] = {}  # centre id -> its coalesced queue push on the way
        uow.on_commit(self._after_change)

    # -- reading -----------------------------------------------------------------------------

    def get(self, interaction_id: str) -> Interaction:
        """Return an interaction or raise not_found."""
        return self.uow.load(interaction_id)

    def owned(self, person: Row, interaction_id: str, recent: bool = False) -> Interaction:
        """Return the person's own interaction; someone else's is reported as not found. With
        recent: as this process last read it (whose it is never changes; see send_message)."""
        interaction = (self.uow.recent if recent else self.uow.load)(interaction_id)
        if (interaction.site_id, interaction.tin, interaction.sub) != (
            person["site_id"],
            person["tin"],
            person["sub"],
        ):
            raise not_found()
        return interaction

    def visible_to_agent(self, agent: Row, interaction_id: str) -> Interaction:
        """Return an interaction the account may read (scope.may_see); any other is not found."""
        interaction = self.get(interaction_id)
        if not scope.may_see(agent, interaction):
            raise not_found()
        return interaction

    def live_of(self, person: Row) -> Interaction | None:
        """Return the person's live interaction, or None."""
        for interaction in self.store.conversations.interactions_of(
            person["site_id"], person["tin"], person["sub"]
        ):
            if interaction.state in states.LIVE_VALUES:
                return interaction
        return None

    def history(self, person: Row) -> list[Row]:
        """Return the person's recent interactions for the window's history list."""
        return [
            self.public_view(i)
            for i in self.store.conversations.interactions_of(
                person["site_id"], person["tin"], person["sub"]
            )
        ]

    def events_after(self, interaction_id: str, seq: int, limit: int) -> list[Frame]:
        """Return stored events after seq as outbound frames."""
        return [
            protocol.event_frame(row)
            for row in self.store.conversations.events_after(interaction_id, seq, limit)
        ]

    # -- taxpayer ----------------------------------------------------------------------------

    def request_human(self, person: Row) -> Interaction:
        """Queue the person for an agent of the centre serving their region (发起人工导税)."""
        region = self.router.region(person["region"])
        live = self.live_of(person)
        if live is not None and live.state in (State.QUEUED, State.CONNECTED):
            return live  # asked twice (two tabs, a retry): one task is enough
        self.router.require_open(region["centre_id"])
        actor, now = Actor.taxpayer(person), self.clock()
        if live is None:
            record = self.new_record(
                person, region, states.opening_state("request_human", "taxpayer"), now
            )
            record = dataclasses.replace(record, queued_at=now)
            self.uow.create(record, [self.state_event(record, "request_human", actor, now)])
            self.announce(person, record.id)
            return record
        return self.transition(live.id, "request_human", actor)

    def cancel(self, person: Row, interaction_id: str) -> Interaction:
        """Withdraw a waiting request (取消征纳互动); refused once an agent has joined."""
        self.owned(person, interaction_id)
        return self.transition(interaction_id, "cancel", Actor.taxpayer(person))

    def close(self, person: Row, interaction_id: str) -> Interaction:
        """End the interaction because the taxpayer closed the window (no rating)."""
        self.owned(person, interaction_id)
        return self.transition(interaction_id, "close", Actor.taxpayer(person))

    def rate(
        self, person: Row, interaction_id: str, score: int, tags: list[str], comment: str
    ) -> None:
        """Store the one 好差评 rating of an interaction the agent ended."""
        interaction = self.owned(person, interaction_id)
        if interaction.state is not State.ENDED or interaction.ended_by != "agent":
            raise ZhengnaError("rating_not_offered")
        now = self.clock()
        row = {
            "interaction_id": interaction.id,
            "score": score,
            "tags": tags,
            "comment": comment,
            "agent_id": interaction.updated_by,
            "centre_id": interaction.centre_id,
            "created_at": now,
        }
        event = {
            "type": "rating.saved",
            "actor": Actor.taxpayer(person),
            "at": now,
            "payload": {"score": score, "tags": tags, "comment": comment},
        }
        followup = (
            self.reviews.followup_for(interaction, score, row["agent_id"], now)
            if self.reviews
            else None
        )
        try:
            self.uow.write(lambda: self.store.ratings.save_evaluation(row, event, followup))
        except ValueError:
            raise ZhengnaError("already_rated") from None

    # -- both sides --------------------------------------------------------------------------

    def send_message(
        self,
        actor: Actor,
        interaction_id: str,
        cid: str,
        text: str | None,
        attachment_id: str | None = None,
        interaction: Interaction | None = None,
    ) -> int:
        """Store a chat message (idempotent by client id) and publish it; return its seq.

        The check reads the interaction as this process last read it (UnitOfWork.recent), and the
        message is stored only while the interaction is still at that version: when it has moved
        on, or the check would refuse, the interaction is read again as stored and checked anew."""
        if not text and not attachment_id:
            raise ProtocolError("bad_field.empty_message", {"ref": cid})
        current = interaction or self.uow.recent(interaction_id)
        if not self._may_write(actor, current):
            current = self.uow.load(interaction_id)  # refuse only on what is stored now
            if not self._open_to(actor, current):
                return self._refused(actor, current, cid)
        message = self.message_event(actor, cid, text or "", "text", self.clock(), touch=True)
        if attachment_id:
            message["message"]["attachment_id"] = attachment_id
            message["message"]["attachment"] = self.attachment_view(
                self.own_attachment(actor, interaction_id, attachment_id)
            )

        def attempt() -> list[Row]:
            nonlocal current
            try:
                return self.uow.append(interaction_id, [message], version=current.version)
            except Conflict:  # it changed since it was read: check again on what is stored now
                current = self.uow.load(interaction_id)
                if not self._open_to(actor, current):
                    raise _Refused() from None
                raise

        try:
            rows = self.uow.retrying(attempt)
        except _Refused:
            return self._refused(actor, current, cid)
        except Duplicate:  # the same cid again (a resend after a reconnect): the stored seq
            done = self.store.conversations.find_message(interaction_id, actor.role, actor.id, cid)
            if done is None:
                raise
            return self._stored_again(done)
        if attachment_id:
            self.store.media.mark_attachment_used(attachment_id, self.clock())  # no orphan now
        return rows[0]["seq"]

    def _refused(self, actor: Actor, interaction: Interaction, cid: str) -> int:
        """Answer a message the interaction no longer takes: a retry of one stored before it moved
        on gets its seq again; anything else is refused with the state it is in."""
        done = self.store.conversations.find_message(interaction.id, actor.role, actor.id, cid)
        if done is not None:
            return self._stored_again(done)
        raise ZhengnaError("not_accepting_messages", state=interaction.state.value)

    def _stored_again(self, event: Row) -> int:
        """Answer a resend of a stored message with its seq, and publish it again: the process
        that stored it may have died before it published (followers drop a seq they hold)."""
        self.uow.publish([event])
        return event["seq"]

    def check_can_attach(self, actor: Actor, interaction_id: str) -> Interaction:
        """Raise unless actor may add a file to this interaction now."""
        interaction = self.get(interaction_id)
        if not self._open_to(actor, interaction):
            raise ZhengnaError("not_accepting_messages.file", state=interaction.state.value)
        return interaction

    @classmethod
    def _may_write(cls, actor: Actor, interaction: Interaction) -> bool:
        """Return _open_to(actor, interaction), False where it would refuse outright."""
        try:
            return cls._open_to(actor, interaction)
        except ZhengnaError:
            return False

    @staticmethod
    def _open_to(actor: Actor, interaction: Interaction) -> bool:
        """Return whether actor may add messages or files now; an agent not serving it is refused
        outright."""
        if actor.role == "agent":
            require_serving(interaction, actor.id)
        return interaction.state in _WRITABLE[actor.role]

    def own_attachment(self, actor: Actor, interaction_id: str, attachment_id: str) -> Row:
        """Return a file actor uploaded to this interaction, or raise not_found."""
        row = self.store.media.get_attachment(attachment_id)
        if (
            row is None
            or row["interaction_id"] != interaction_id
            or (row["uploader_role"], row["uploader_id"]) != (actor.role, actor.id)
        ):
            raise ZhengnaError("not_found.file")
        return row

    @staticmethod
    def attachment_view(row: Row) -> Row:
        """Return what clients see of an attachment."""
        return {
            "id": row["id"],
            "name": row["name"],
            "content_type": row["content_type"],
            "size": row["size"],
            "url": f"/api/attachments/{row['id']}",
        }

    def leave_message(self, person: Row, cid: str, text: str, contact: str) -> Row:
        """Store a message for the centre serving the person's region (outside working hours),
        once per cid: a resend returns the stored row and tells the centre nothing new."""
        region = self.router.region(person["region"])
        row = {
            "id": new_id(),
            "site_id": person["site_id"],
            "centre_id": region["centre_id"],
            "region": person["region"],
            "tin": person["tin"],
            "sub": person["sub"],
            "person_name": person["name"],
            "enterprise": person["enterprise"],
            "text": text,
            "contact": contact,
            "status": "new",
            "created_at": self.clock(),
            "cid": cid,
        }
        stored = self.store.conversations.save_leave_message(row)
        if stored["id"] != row["id"]:
            return stored
        self.bus.publish(
            f"centre:{region['centre_id']}",
            {
                "kind": "ephemeral",
                "from_role": "system",
                "frame": {
                    "type": "leave.new",
                    "id": row["id"],
                    "person": row["person_name"],
                    "enterprise": row["enterprise"],
                },
            },
        )
        return row

    def mark_read(self, actor: Actor, interaction_id: str, seq: int) -> None:
        """Move the actor's read pointer and tell the other side."""
        if self.store.conversations.mark_read(interaction_id, actor.role, seq):
            self.ephemeral(
                interaction_id,
                {"type": "read", "interaction_id": interaction_id, "role": actor.role, "seq": seq},
                actor.role,
            )

    def ephemeral(self, interaction_id: str, frame: Frame, from_role: str) -> None:
        """Publish a frame that is neither stored nor replayed (typing, read, positions)."""
        self.uow.ephemeral(interaction_id, frame, from_role)

    # -- the one path through the state machine ----------------------------------------------

    def transition(
        self,
        interaction_id: str,
        event: str,
        actor: Actor,
        detail: Mapping[str, Any] | None = None,
        **changes: Any,
    ) -> Interaction:
        """Apply event to the stored interaction, save it with its event, publish (the unit of
        work reloads and applies again after a lost race)."""

        def step(before: Interaction, now: datetime) -> tuple[Interaction, list[Row]]:
            after = states.apply(before, event, actor, now, **changes)
            return after, [self.state_event(after, event, actor, now, detail)]

        return self.uow.change(interaction_id, step)

    def remind_idle(self, interaction: Interaction) -> None:
        """Tell both sides the conversation will end soon if nobody writes (unless it changed
        since it was read)."""

        def step(before: Interaction, now: datetime) -> tuple[Interaction, list[Row]]:
            notice = self.message_event(
                Actor.system(), None, IDLE_REMINDER, "system", now, extra={"notice": "idle_warning"}
            )
            return dataclasses.replace(before, idle_warned_at=now), [notice]

        self.uow.change_once(interaction, step)

    def set_bookkeeping(self, interaction: Interaction, **changes: Any) -> None:
        """Change bookkeeping columns that are not a state (no event), unless it changed since it
        was read."""
        self.uow.change_once(
            interaction, lambda before, _now: (dataclasses.replace(before, **changes), [])
        )

    def _after_change(self, before: Interaction | None, after: Interaction) -> None:
        """Tell the centre its queue moved and an agent what was given to them (a commit hook)."""
        was, agent_was = (before.state, before.agent_id) if before else (None, None)
        if State.QUEUED in (was, after.state):
            self.queue_changed(after.centre_id)
        if after.agent_id and after.agent_id != agent_was:
            self.bus.publish(
                f"agent:{after.agent_id}",
                {
                    "kind": "ephemeral",
                    "from_role": "system",
                    "frame": {
                        "type": "interaction.assigned",
                        "interaction_id": after.id,
                        "interaction": self.public_view(after),
                    },
                },
            )

    def queue_changed(self, centre_id: str) -> None:
        """Push the centre's queue (_push_queue) QUEUE_PUSH_WINDOW after its first change, once for
        every change in between.

        Setting up N conversations changes the queue 2N times; pushing the whole queue each time
        was O(N²). A requester is sent its own position at once (dispatch.on_human)."""
        if centre_id not in self._queue_pushes:
            self._queue_pushes[centre_id] = gevent.spawn_later(
                QUEUE_PUSH_WINDOW, self._push_queue, centre_id
            )

    def _push_queue(self, centre_id: str) -> None:
        """Push every waiting taxpayer's position and the centre's queue to its agents."""
        self._queue_pushes.pop(centre_id, None)  # a change from here on is pushed by its own push
        waiting = self.store.conversations.interactions_in(
            [State.QUEUED.value], centre_id=centre_id
        )
        online = self.presence.online_in(centre_id)
        handle = self.router.handle_time(centre_id)
        for position, interaction in enumerate(waiting, start=1):
            self.ephemeral(
                interaction.id,
                {
                    "type": "queue.position",
                    "interaction_id": interaction.id,
                    "position": position,
                    "wait_s": estimate_wait(position, online, handle),
                },
                "system",
            )
        self.bus.publish(
            f"centre:{centre_id}",
            {
                "kind": "ephemeral",
                "from_role": "system",
                "frame": self.queue_snapshot(centre_id, waiting),
            },
        )

    def queue_snapshot(self, centre_id: str, waiting: list[Interaction] | None = None) -> Frame:
        """Return the centre's waiting list as the console shows it."""
        if waiting is None:
            waiting = self.store.conversations.interactions_in(
                [State.QUEUED.value], centre_id=centre_id
            )
        return {
            "type": "queue.snapshot",
            "centre": centre_id,
            "items": [
                {
                    "interaction_id": i.id,
                    "person": i.person_name,
                    "enterprise": i.enterprise,
                    "region": i.region,
                    "queued_at": i.queued_at.isoformat() if i.queued_at else None,
                }
                for i in waiting
            ],
        }

    def position_of(self, interaction: Interaction) -> Frame | None:
        """Return the queue.position frame for one waiting interaction, or None."""
        position = self.store.conversations.queue_position(interaction.id)
        if position is None:
            return None
        wait = estimate_wait(
            position,
            self.presence.online_in(interaction.centre_id),
            self.router.handle_time(interaction.centre_id),
        )
        return {
            "type": "queue.position",
            "interaction_id": interaction.id,
            "position": position,
            "wait_s": wait,
        }

    # -- building events ---------------------------------------------------------------------

    def new_record(self, person: Row, region: Row, state: State, now: datetime) -> Interaction:
        """Return a new interaction of person in state, not yet stored."""
        return Interaction(
            id=new_id(),
            site_id=person["site_id"],
            tin=person["tin"],
            sub=person["sub"],
            person_name=person["name"],
            enterprise=person["enterprise"],
            region=person["region"],
            centre_id=region["centre_id"],
            state=state,
            created_at=now,
            last_activity_at=now,
            updated_at=now,
            updated_by_role="taxpayer",
            updated_by=person["sub"],
        )

    def state_event(
        self,
        after: Interaction,
        event: str,
        actor: Actor,
        now: datetime,
        detail: Mapping[str, Any] | None = None,
    ) -> Row:
        """Return the interaction.state event describing after."""
        agent = None
        if after.agent_id:
            row = self.store.directory.get_agent(after.agent_id)
            agent = {"id": after.agent_id, "name": row["display_name"] if row else ""}
        payload = {
            "state": after.state.value,
            "call": after.call_state,
            "event": event,
            "ended_by": after.ended_by,
            "agent": agent,
            "rating": after.state is State.ENDED and after.ended_by == "agent",
            **(detail or {}),
        }
        return {"type": "interaction.state", "actor": actor, "at": now, "payload": payload}

    def message_event(
        self,
        actor: Actor,
        cid: str | None,
        body: str,
        kind: str,
        now: datetime,
        extra: Mapping[str, Any] | None = None,
        touch: bool = False,
    ) -> Row:
        """Return a message.new event to store (touch: a person spoke, the idle clock restarts)."""
        message = {
            "id": new_time_id(),
            "cid": cid,
            "sender_role": actor.role,
            "sender_id": actor.id,
            "sender_name": actor.name,
            "kind": kind,
            "body": body,
            "created_at": now,
        }
        return {
            "type": "message.new",
            "actor": actor,
            "at": now,
            "payload": dict(extra or {}),
            "message": message,
            "touch": touch,
        }

    def announce(self, person: Row, interaction_id: str) -> None:
        """Tell the person's other tabs that an interaction was opened."""
        self.bus.publish(
            person_channel(person),
            {
                "kind": "ephemeral",
                "from_role": "system",
                "frame": {"type": "interaction.opened", "interaction_id": interaction_id},
            },
        )

    def audit(
        self, agent: Row, action: str, interaction_id: str | None, detail: Mapping[str, Any]
    ) -> None:
        """Record an agent's action in the audit trail."""
        self.store.conversations.audit(
            {
                "created_at": self.clock(),
                "actor_role": "agent",
                "actor_id": agent["id"],
                "action": action,
                "interaction_id": interaction_id,
                "detail": detail,
            }
        )

    def agent_absent(self, interaction: Interaction, now: datetime) -> None:
        """Start the grace period of a conversation whose agent has no console open; tell the
        taxpayer."""
        self.set_bookkeeping(interaction, agent_left_at=now)
        self.ephemeral(
            interaction.id,
            {"type": "agent.presence", "interaction_id": interaction.id, "present": False},
            "agent",
        )

    def agent_back(self, interaction: Interaction) -> None:
        """End the grace period: the agent has a console open again; tell the taxpayer."""
        self.set_bookkeeping(interaction, agent_left_at=None)
        self.ephemeral(
            interaction.id,
            {"type": "agent.presence", "interaction_id": interaction.id, "present": True},
            "agent",
        )

    def public_view(self, interaction: Interaction) -> Row:
        """Return an interaction as clients see it, with its agent's name."""
        agent = (
            self.store.directory.get_agent(interaction.agent_id) if interaction.agent_id else None
        )
        return interaction.public(agent["display_name"] if agent else None)


class _Refused(Exception):
    """A message's interaction, read again after a lost race, no longer takes it."""


def require_serving(interaction: Interaction, agent_id: str) -> None:
    """Raise not_your_interaction unless agent_id is the agent serving interaction (the one rule for
    it)."""
    if interaction.agent_id != agent_id:
        raise ZhengnaError("not_your_interaction")


def close_message(code: int, frame: Frame) -> Row:
    """Return the bus message that makes every connection hearing it send frame and close."""
    return {"kind": "close", "code": code, "frame": frame}


def person_channel(person: Row) -> str:
    """Return the bus channel of one person (all their tabs)."""
    return f"person:{person['site_id']}:{person['tin']}:{person['sub']}"
