"""What taxpayers and agents do to interactions: validated, persisted, then published."""
import dataclasses

from . import protocol, states
from .errors import Forbidden, IllegalTransition, NotFound, ProtocolError, ZhengnaError
from .models import Actor, Interaction
from .routing import estimate_wait
from .store import Conflict, new_id

_RETRIES = 5  # optimistic-concurrency retries before telling the client to try again

BOT_PHRASES = {
    "suggest": "您是否要咨询以下问题:",
    "reject": "抱歉，我没能理解您的问题。您可以换个说法，或点击“发起人工导税”由工作人员为您解答。",
    "greeting": "您好，我是智能导税助手。请直接输入您想咨询的问题。",
}


IDLE_REMINDER = "您已有一段时间没有发言，如无其他问题，本次互动将很快自动结束。"


class Service:
    """The interaction lifecycle: the one caller of states.apply and store.commit."""

    def __init__(self, store, bus, router, presence, config, clock, knowledge=None):
        self.store, self.bus, self.router, self.presence = store, bus, router, presence
        self.config, self.clock, self.knowledge = config, clock, knowledge
        self.calls = None  # set by create_app: widget.calls.Calls

    # -- reading -----------------------------------------------------------------------------

    def get(self, interaction_id):
        """Return an interaction or raise not_found."""
        interaction = self.store.get_interaction(interaction_id)
        if interaction is None:
            raise _not_found()
        return interaction

    def owned(self, person, interaction_id):
        """Return the person's own interaction; someone else's is reported as not found."""
        interaction = self.store.get_interaction(interaction_id)
        if interaction is None or (interaction.site_id, interaction.tin, interaction.sub) != (
                person["site_id"], person["tin"], person["sub"]):
            raise _not_found()
        return interaction

    def visible_to_agent(self, agent, interaction_id):
        """Return an interaction an agent may read: their centre's, or assigned to them."""
        interaction = self.get(interaction_id)
        if interaction.agent_id != agent["id"] and interaction.centre_id != agent["centre_id"] \
                and agent["role"] not in ("supervisor", "admin"):
            raise _not_found()
        return interaction

    def live_of(self, person):
        """Return the person's live interaction, or None."""
        for interaction in self.store.interactions_of(person["site_id"], person["tin"], person["sub"]):
            if interaction.state in states.LIVE_VALUES:
                return interaction
        return None

    def history(self, person):
        """Return the person's recent interactions for the window's history list."""
        return [self.public_view(i) for i in
                self.store.interactions_of(person["site_id"], person["tin"], person["sub"])]

    def events_after(self, interaction_id, seq, limit):
        """Return stored events after seq as outbound frames."""
        return [protocol.event_frame(row) for row in self.store.events_after(interaction_id, seq, limit)]

    # -- taxpayer ----------------------------------------------------------------------------

    def ask_bot(self, person, cid, text):
        """Put the taxpayer's question to the bot; open a bot interaction if none is live."""
        region = self.router.region(person["region"])
        if not region["smart_service"]:
            raise ZhengnaError("bot_off", "本地区未开通智能服务，请发起人工导税。",
                               "Smart service is off here; please ask for a person.")
        live = self.live_of(person)
        if live is not None and live.state != states.State.BOT.value:
            raise ZhengnaError("not_in_bot", "已转人工服务，请直接发送消息。",
                               "You are with human service now; send a message instead.")
        actor = _taxpayer(person)
        if live is not None:
            done = self.store.find_message(live.id, "taxpayer", actor.id, cid)
            if done is not None:
                return live, done["seq"]
        now = self.clock()
        kb = self.knowledge.for_site(person["site_id"])
        result = kb.match(text)
        asked = self._message(actor, cid, text, "text", now)
        reply = self._bot_reply(result, kb.matcher, now)
        if live is None:
            record = self._new(person, region, states.opening_state("ask_bot", "taxpayer"), now)
            rows = self.store.create_interaction(record, [self._state_event(record, "ask_bot", actor, now),
                                                          asked, reply])
            self.publish_rows(rows)
            self._announce(person, record.id)
        else:
            record = live
            rows = self.store.append(live.id, [asked, reply])
            self.publish_rows(rows)
        self.store.log_bot({"interaction_id": record.id, "seq": rows[-1]["seq"], "site_id": person["site_id"],
                            "question": text, "outcome": result.outcome, "kb_id": result.answer,
                            "score": int(round(result.score * 1000)), "created_at": now})
        return record, rows[-2]["seq"]

    def pick_suggestion(self, person, cid, kb_id):
        """Answer the suggestion the taxpayer chose from 您是否要咨询以下问题."""
        live = self.live_of(person)
        if live is None or live.state != states.State.BOT.value:
            raise IllegalTransition(live.state if live else "none", "bot.pick", "taxpayer")
        matcher = self.knowledge.for_site(person["site_id"]).matcher
        try:
            entry = matcher.entry(kb_id)
        except KeyError:
            entry = None
        if entry is None:
            raise NotFound("not_found", "找不到该问题。", "No such question in the knowledge base.")
        actor = _taxpayer(person)
        if self.store.find_message(live.id, "taxpayer", actor.id, cid):
            return live
        now = self.clock()
        asked = self._message(actor, cid, entry.question, "pick", now, extra={"kb_id": kb_id})
        answer = self._message(Actor("bot", "bot"), None, entry.answer, "bot", now, extra={
            "bot": {"outcome": "answer", "kb_id": kb_id, "human": False, "picked": True}})
        rows = self.store.append(live.id, [asked, answer])
        self.publish_rows(rows)
        self.store.mark_suggestion_picked(live.id, rows[0]["seq"], kb_id)
        return live

    def request_human(self, person):
        """Queue the person for an agent of the centre serving their region (发起人工导税)."""
        region = self.router.region(person["region"])
        live = self.live_of(person)
        if live is not None and live.state in (states.State.QUEUED.value, states.State.CONNECTED.value):
            return live  # asked twice (two tabs, a retry): one task is enough
        self.router.require_open(region["centre_id"])
        actor, now = _taxpayer(person), self.clock()
        if live is None:
            record = self._new(person, region, states.opening_state("request_human", "taxpayer"), now)
            record = Interaction(**{**record.as_row(), "queued_at": now})
            self.publish_rows(self.store.create_interaction(
                record, [self._state_event(record, "request_human", actor, now)]))
            self._announce(person, record.id)
            self.queue_changed(record.centre_id)
            return record
        return self.transition(live.id, "request_human", actor)

    def cancel(self, person, interaction_id):
        """Withdraw a waiting request (取消征纳互动); refused once an agent has joined."""
        self.owned(person, interaction_id)
        return self.transition(interaction_id, "cancel", _taxpayer(person))

    def close(self, person, interaction_id):
        """End the interaction because the taxpayer closed the window (no rating)."""
        self.owned(person, interaction_id)
        return self.transition(interaction_id, "close", _taxpayer(person))

    def rate(self, person, interaction_id, score, tags, comment):
        """Store the one 好差评 rating of an interaction the agent ended."""
        interaction = self.owned(person, interaction_id)
        if interaction.state != states.State.ENDED.value or interaction.ended_by != "agent":
            raise ZhengnaError("rating_not_offered", "该互动不需要评价。",
                               "This interaction is not open for rating.")
        now = self.clock()
        row = {"interaction_id": interaction.id, "score": score, "tags": tags, "comment": comment,
               "agent_id": interaction.updated_by, "centre_id": interaction.centre_id, "created_at": now}
        event = {"type": "rating.saved", "actor": _taxpayer(person), "at": now,
                 "payload": {"score": score, "tags": tags, "comment": comment}}
        try:
            self.publish_rows(self.store.save_evaluation(row, event))
        except ValueError:
            raise ZhengnaError("already_rated", "您已评价过本次服务，谢谢！",
                               "You have already rated this service. Thank you!") from None

    # -- both sides --------------------------------------------------------------------------

    def send_message(self, actor, interaction_id, cid, text, attachment_id=None):
        """Store a chat message (idempotent by client id) and publish it; return its seq."""
        if not text and not attachment_id:
            raise ProtocolError("bad_field", "消息内容不能为空。", "A message needs text or an attachment.", ref=cid)
        interaction = self.get(interaction_id)
        allowed = {"taxpayer": (states.State.QUEUED.value, states.State.CONNECTED.value),
                   "agent": (states.State.CONNECTED.value,)}[actor.role]
        if actor.role == "agent" and interaction.agent_id != actor.id:
            raise Forbidden("not_your_interaction", "该互动不由您接待。", "You are not serving this interaction.")
        if interaction.state not in allowed:
            raise ZhengnaError("not_accepting_messages", "当前状态下不能发送消息。",
                               f"Messages cannot be sent while the interaction is {interaction.state}.")
        done = self.store.find_message(interaction_id, actor.role, actor.id, cid)
        if done is not None:
            return done["seq"]
        message = self._message(actor, cid, text or "", "text", self.clock(), touch=True)
        if attachment_id:
            message["message"]["attachment_id"] = attachment_id
            message["message"]["attachment"] = self.attachment_view(
                self._own_attachment(actor, interaction_id, attachment_id))
        rows = self.store.append(interaction_id, [message])
        self.publish_rows(rows)
        return rows[0]["seq"]

    def check_can_attach(self, actor, interaction_id):
        """Raise unless actor may add a file to this interaction now."""
        interaction = self.get(interaction_id)
        if actor.role == "agent" and interaction.agent_id != actor.id:
            raise Forbidden("not_your_interaction", "该互动不由您接待。", "You are not serving this interaction.")
        allowed = ("queued", "connected") if actor.role == "taxpayer" else ("connected",)
        if interaction.state not in allowed:
            raise ZhengnaError("not_accepting_messages", "当前状态下不能发送文件。",
                               f"Files cannot be sent while the interaction is {interaction.state}.")
        return interaction

    def _own_attachment(self, actor, interaction_id, attachment_id):
        row = self.store.get_attachment(attachment_id)
        if row is None or row["interaction_id"] != interaction_id or (row["uploader_role"], row["uploader_id"]) != (
                actor.role, actor.id):
            raise NotFound("not_found", "找不到该文件。", "No such file.")
        return row

    @staticmethod
    def attachment_view(row):
        """Return what clients see of an attachment."""
        return {"id": row["id"], "name": row["name"], "content_type": row["content_type"], "size": row["size"],
                "url": f"/api/attachments/{row['id']}"}

    def feedback(self, person, interaction_id, seq, value):
        """Record 有用/没用 on one bot answer of the person's interaction (a second one replaces the first)."""
        self.owned(person, interaction_id)
        if not self.store.update_bot_log(interaction_id, seq, feedback=value):
            raise NotFound("not_found", "找不到该机器人回答。", "No such bot answer.")

    def leave_message(self, person, text, contact):
        """Store a message for the centre serving the person's region (outside working hours)."""
        region = self.router.region(person["region"])
        row = {"id": new_id(), "site_id": person["site_id"], "centre_id": region["centre_id"],
               "region": person["region"], "tin": person["tin"], "sub": person["sub"],
               "person_name": person["name"], "enterprise": person["enterprise"], "text": text,
               "contact": contact, "status": "new", "created_at": self.clock()}
        self.store.save_leave_message(row)
        self.bus.publish(f"centre:{region['centre_id']}", {"kind": "ephemeral", "from_role": "system", "frame": {
            "type": "leave.new", "id": row["id"], "person": row["person_name"], "enterprise": row["enterprise"]}})
        return row

    def mark_read(self, actor, interaction_id, seq):
        """Move the actor's read pointer and tell the other side."""
        if self.store.mark_read(interaction_id, actor.role, seq):
            self.ephemeral(interaction_id, {"type": "read", "interaction_id": interaction_id,
                                            "role": actor.role, "seq": seq}, actor.role)

    def ephemeral(self, interaction_id, frame, from_role):
        """Publish a frame that is neither stored nor replayed (typing, read, positions)."""
        self.bus.publish(f"ix:{interaction_id}", {"kind": "ephemeral", "frame": frame, "from_role": from_role})

    # -- agents ------------------------------------------------------------------------------

    def accept(self, agent, interaction_id):
        """Give a waiting task to agent (接入); exactly one of two racing agents gets it."""
        interaction = self.visible_to_agent(agent, interaction_id)
        self._check_capacity(agent)
        try:
            result = self.transition(interaction.id, "accept", _agent(agent),
                                     agent_id=agent["id"], agent_left_at=None)
        except IllegalTransition:
            raise ZhengnaError("already_taken", "该互动已被接入或已结束。",
                               "Someone else has taken this task, or it has ended.") from None
        self._audit(agent, "accept", interaction.id, {})
        return result

    def end(self, agent, interaction_id, category=""):
        """End the conversation as its agent; the taxpayer is offered the rating."""
        interaction = self.get(interaction_id)
        if interaction.agent_id != agent["id"]:
            raise Forbidden("not_your_interaction", "该互动不由您接待。", "You are not serving this interaction.")
        result = self.transition(interaction_id, "end", _agent(agent), detail={"category": category})
        self._audit(agent, "end", interaction_id, {"category": category})
        return result

    def transfer(self, agent, interaction_id, to_agent=None, to_centre=None, note=""):
        """Hand a conversation to another agent, or back to a centre's queue (转接), with an internal note."""
        interaction = self.get(interaction_id)
        if interaction.agent_id != agent["id"]:
            raise Forbidden("not_your_interaction", "该互动不由您接待。", "You are not serving this interaction.")
        if bool(to_agent) == bool(to_centre):
            raise ProtocolError("bad_field", "请选择一位工作人员或一个运营中心。", "Choose one agent or one centre.")
        actor = _agent(agent)
        if to_agent:
            target = self.store.get_agent(to_agent)
            if target is None or target["disabled"] or target["id"] == agent["id"]:
                raise NotFound("not_found", "找不到该工作人员。", "No such agent to transfer to.")
            self._check_capacity(target)
            left = None if self.presence.is_connected(target["id"]) else self.clock()
            result = self.transition(interaction_id, "transfer_to_agent", actor, detail={"to_agent": target["id"]},
                                     agent_id=target["id"], agent_left_at=left)
        else:
            if self.store.get_centre(to_centre) is None:
                raise NotFound("not_found", "找不到该运营中心。", "No such centre to transfer to.")
            result = self.transition(interaction_id, "transfer_to_queue", actor, detail={"to_centre": to_centre},
                                     centre_id=to_centre, queued_at=interaction.queued_at or interaction.created_at)
        if note:
            self.add_note(agent, interaction_id, note, check=False)
        self._audit(agent, "transfer", interaction_id, {"to_agent": to_agent, "to_centre": to_centre})
        return result

    def add_note(self, agent, interaction_id, text, check=True):
        """Store an internal note on a conversation: agents see it, the taxpayer never does."""
        if check:
            self.visible_to_agent(agent, interaction_id)
        note = self._message(_agent(agent), None, text, "note", self.clock(), extra={"internal": True})
        rows = self.store.append(interaction_id, [note])
        self.publish_rows(rows)
        return rows[0]["seq"]

    def history_of(self, agent, interaction_id):
        """Return the same taxpayer's other conversations, for the agent serving or seeing this one."""
        interaction = self.visible_to_agent(agent, interaction_id)
        items = self.store.interactions_of(interaction.site_id, interaction.tin, interaction.sub)
        return [self.public_view(i) for i in items if i.id != interaction_id]

    def record_view(self, agent, interaction):
        """Audit an agent reading a transcript that is not theirs right now."""
        if interaction.agent_id != agent["id"]:
            self._audit(agent, "view_transcript", interaction.id, {"state": interaction.state})

    def _check_capacity(self, agent):
        busy = len(self.store.interactions_in([states.State.CONNECTED.value], agent_id=agent["id"]))
        if busy >= agent["max_concurrent"]:
            raise ZhengnaError("at_capacity", f"已同时接待 {busy} 个互动，达到上限。",
                               f"Already serving {busy} conversations, the limit.", agent=agent["id"])

    def agent_connected(self, agent):
        """Note an agent's console is back: their conversations are no longer orphaned."""
        for interaction in self.store.interactions_in([states.State.CONNECTED.value], agent_id=agent["id"]):
            if interaction.agent_left_at is not None:
                self._set(interaction, agent_left_at=None)
                self.ephemeral(interaction.id, {"type": "agent.presence", "interaction_id": interaction.id,
                                                "present": True}, "agent")

    def agent_disconnected(self, agent_id):
        """Start the grace period on the conversations of an agent whose last console closed."""
        now = self.clock()
        for interaction in self.store.interactions_in([states.State.CONNECTED.value], agent_id=agent_id):
            self._set(interaction, agent_left_at=now)
            self.ephemeral(interaction.id, {"type": "agent.presence", "interaction_id": interaction.id,
                                            "present": False}, "agent")

    # -- the one path through the state machine ----------------------------------------------

    def transition(self, interaction_id, event, actor, detail=None, **changes):
        """Apply event to the stored interaction, save it with its event, publish; retry on races."""
        for _ in range(_RETRIES):
            before = self.get(interaction_id)
            now = self.clock()
            after = states.apply(before, event, actor, now, **changes)
            try:
                rows = self.store.commit(before, after, [self._state_event(after, event, actor, now, detail)])
            except Conflict:
                continue
            self.publish_rows(rows)
            self._after_change(before, after)
            return after
        raise ZhengnaError("busy", "系统繁忙，请重试。", "The service is busy; please try again.")

    def remind_idle(self, interaction):
        """Tell both sides the conversation will end soon if nobody writes."""
        now = self.clock()
        try:
            rows = self.store.commit(interaction, dataclasses.replace(interaction, idle_warned_at=now), [
                self._message(Actor.system(), None, IDLE_REMINDER, "system", now,
                              extra={"notice": "idle_warning"})])
        except Conflict:
            return
        self.publish_rows(rows)

    def _set(self, interaction, **changes):
        """Change bookkeeping columns that are not a state (no event); ignore a lost race."""
        try:
            self.store.commit(interaction, dataclasses.replace(interaction, **changes), [])
        except Conflict:
            pass

    def _after_change(self, before, after):
        if self.calls is not None:
            self.calls.ended(before, after)
        queued = states.State.QUEUED.value
        if before.state == queued or after.state == queued:
            self.queue_changed(after.centre_id)
        if after.agent_id and after.agent_id != before.agent_id:
            self.bus.publish(f"agent:{after.agent_id}", {"kind": "ephemeral", "from_role": "system", "frame": {
                "type": "interaction.assigned", "interaction_id": after.id}})

    def queue_changed(self, centre_id):
        """Push every waiting taxpayer's position and the centre's queue to its agents."""
        waiting = self.store.interactions_in([states.State.QUEUED.value], centre_id=centre_id)
        online = self.presence.online_in(centre_id)
        handle = self.router.handle_time(centre_id)
        for position, interaction in enumerate(waiting, start=1):
            self.ephemeral(interaction.id, {
                "type": "queue.position", "interaction_id": interaction.id, "position": position,
                "wait_s": estimate_wait(position, online, handle)}, "system")
        self.bus.publish(f"centre:{centre_id}", {"kind": "ephemeral", "from_role": "system",
                                                 "frame": self.queue_snapshot(centre_id, waiting)})

    def queue_snapshot(self, centre_id, waiting=None):
        """Return the centre's waiting list as the console shows it."""
        if waiting is None:
            waiting = self.store.interactions_in([states.State.QUEUED.value], centre_id=centre_id)
        return {"type": "queue.snapshot", "centre": centre_id, "items": [{
            "interaction_id": i.id, "person": i.person_name, "enterprise": i.enterprise,
            "region": i.region, "queued_at": i.queued_at.isoformat()} for i in waiting]}

    def position_of(self, interaction):
        """Return the queue.position frame for one waiting interaction, or None."""
        waiting = self.store.interactions_in([states.State.QUEUED.value], centre_id=interaction.centre_id)
        for position, item in enumerate(waiting, start=1):
            if item.id == interaction.id:
                wait = estimate_wait(position, self.presence.online_in(interaction.centre_id),
                                     self.router.handle_time(interaction.centre_id))
                return {"type": "queue.position", "interaction_id": interaction.id,
                        "position": position, "wait_s": wait}
        return None

    # -- building events ---------------------------------------------------------------------

    def _new(self, person, region, state, now):
        return Interaction(
            id=new_id(), site_id=person["site_id"], tin=person["tin"], sub=person["sub"],
            person_name=person["name"], enterprise=person["enterprise"], region=person["region"],
            centre_id=region["centre_id"], state=state.value, created_at=now, last_activity_at=now,
            updated_at=now, updated_by_role="taxpayer", updated_by=person["sub"])

    def _state_event(self, after, event, actor, now, detail=None):
        agent = None
        if after.agent_id:
            row = self.store.get_agent(after.agent_id)
            agent = {"id": after.agent_id, "name": row["display_name"] if row else ""}
        payload = {"state": after.state, "call": after.call_state, "event": event,
                   "ended_by": after.ended_by, "agent": agent,
                   "rating": after.state == states.State.ENDED.value and after.ended_by == "agent",
                   **(detail or {})}
        return {"type": "interaction.state", "actor": actor, "at": now, "payload": payload}

    def _message(self, actor, cid, body, kind, now, extra=None, touch=False):
        message = {"id": new_id(), "cid": cid, "sender_role": actor.role, "sender_id": actor.id,
                   "sender_name": actor.name, "kind": kind, "body": body, "created_at": now}
        return {"type": "message.new", "actor": actor, "at": now, "payload": dict(extra or {}),
                "message": message, "touch": touch}

    def _bot_reply(self, result, matcher, now):
        if result.outcome == "answer":
            body = matcher.entry(result.answer).answer
        else:
            body = BOT_PHRASES[result.outcome]
        suggestions = [{"id": kb_id, "question": matcher.entry(kb_id).question}
                       for kb_id in result.suggestions] if result.outcome == "suggest" else []
        bot = {"outcome": result.outcome, "kb_id": result.answer, "score": round(result.score, 3),
               "suggestions": suggestions, "human": bool(result.human or result.outcome == "reject")}
        return self._message(Actor("bot", "bot"), None, body, "bot", now, extra={"bot": bot})

    def publish_rows(self, rows):
        """Publish stored events to everyone following their interaction."""
        for row in rows:
            self.bus.publish(f"ix:{row['interaction_id']}", {
                "kind": "event", "frame": protocol.event_frame(row),
                "internal": bool(row["payload"].get("internal"))})

    def _announce(self, person, interaction_id):
        self.bus.publish(person_channel(person), {"kind": "ephemeral", "from_role": "system", "frame": {
            "type": "interaction.opened", "interaction_id": interaction_id}})

    def _audit(self, agent, action, interaction_id, detail):
        self.store.audit({"created_at": self.clock(), "actor_role": "agent", "actor_id": agent["id"],
                          "action": action, "interaction_id": interaction_id, "detail": detail})

    def public_view(self, interaction):
        """Return an interaction as clients see it, with its agent's name."""
        agent = self.store.get_agent(interaction.agent_id) if interaction.agent_id else None
        return interaction.public(agent["display_name"] if agent else None)


def person_channel(person):
    """Return the bus channel of one person (all their tabs)."""
    return f"person:{person['site_id']}:{person['tin']}:{person['sub']}"


def _taxpayer(person):
    return Actor("taxpayer", person["sub"], person["name"])


def _agent(agent):
    return Actor("agent", agent["id"], agent["display_name"])


def _not_found():
    return NotFound("not_found", "找不到该互动。", "No such interaction.")
