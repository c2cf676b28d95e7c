"""Frame handlers: a dict from type to function for each role, and first-frame authentication."""

from . import credentials, roles, tokens
from .config import ice_servers
from .errors import AuthError, ZhengnaError
from .interactions import person_channel
from .models import Actor
from .store import new_id


class Context:
    """What a handler needs: the app's services, this connection, and who is on it."""

    def __init__(self, z, conn, config, person=None, agent=None):
        self.z, self.conn, self.config = z, conn, config
        self.service = z.service
        self.person, self.agent = person, agent
        self.actor = Actor.taxpayer(person) if person else Actor.agent(agent)

    def follow(self, interaction_id, last_seq=0):
        """Watch an interaction on this connection unless it already is."""
        if interaction_id not in self.conn.delivered:
            self.conn.watch(interaction_id, last_seq)

    def watched(self, interaction_id):
        """Raise not_found unless this connection follows the interaction."""
        if interaction_id not in self.conn.delivered:
            raise ZhengnaError("not_found.interaction")

    def start_taxpayer(self):
        """Listen for interactions the person opens in other tabs and for their centre opening or
        closing."""
        self.conn.listen(person_channel(self.person))
        region = self.z.store.directory.get_region(self.person["region"])
        self.conn.listen(f"centre-status:{region['centre_id']}")

    def start_agent(self):
        """Mark the agent present, listen to their centre and assignments, send the queue."""
        agent, z = self.agent, self.z
        status = agent["presence"] if agent["presence"] in ("online", "away") else "online"
        if z.presence.connect(agent["id"], agent["centre_id"], status):  # away stays away
            z.store.directory.log_presence(agent["id"], agent["centre_id"], status, z.clock())
        self.conn.listen(f"centre:{agent['centre_id']}")
        self.conn.listen(f"agent:{agent['id']}")
        z.desk.agent_connected(agent)
        open_ones = z.store.conversations.interactions_in(["connected"], agent_id=agent["id"])
        self.conn.send(
            {
                "type": "auth.ok",
                "agent": {
                    "id": agent["id"],
                    "name": agent["display_name"],
                    "centre": agent["centre_id"],
                    "role": agent["role"],
                    "max_concurrent": agent["max_concurrent"],
                    "presence": status,
                },
                "conversations": [z.service.public_view(i) for i in open_ones],
                "limits": _limits(self.config),
                "media": _media(z),
            }
        )
        self.conn.send(z.service.queue_snapshot(agent["centre_id"]))
        z.service.queue_changed(agent["centre_id"])  # one more agent online: shorter estimates

    def stop_agent(self):
        """Start the grace period if this was the agent's last console."""
        if self.z.presence.disconnect(self.agent["id"]):
            self.z.store.directory.log_presence(
                self.agent["id"], self.agent["centre_id"], "offline", self.z.clock()
            )
            self.z.desk.agent_disconnected(self.agent["id"])
            self.z.service.queue_changed(self.agent["centre_id"])


def _media(z):
    """What a client needs to make calls: whether video is on here, the STUN/TURN servers to use,
    and how long the recording of a call (every call is recorded) is kept, for the notice the
    taxpayer agrees to."""
    config = z.service.config
    on = z.calls.workers is not None and bool(z.calls.workers.live())
    return {
        "video": on,
        "ice_servers": ice_servers(config) if on else [],
        "recording": {"retention_days": config["RECORDING_RETENTION_DAYS"]} if on else None,
    }


def _limits(config):
    return {
        "max_message_chars": config["MAX_MESSAGE_CHARS"],
        "max_frame_bytes": config["MAX_FRAME_BYTES"],
        "heartbeat_interval": config["HEARTBEAT_INTERVAL"],
    }


def authenticate_taxpayer(z, frame, site_id):
    """Return (person, auth.ok frame) for a first frame, or raise AuthError with its close code."""
    now = z.clock()
    site = z.store.directory.get_site(site_id)
    if site is None:
        raise AuthError("wrong_site.unknown")
    config = z.service.config
    ttl, max_age = config["CREDENTIAL_TTL"], config["CREDENTIAL_MAX_AGE"]
    keys, leeway = z.store.directory.site_keys(site_id), config["TOKEN_LEEWAY"]
    if frame["type"] == "auth.hello":
        who = tokens.verify(frame["token"], site, keys, leeway)
        roles.check(site, who.role)
        credential = credentials.issue()
        person = {
            "id": new_id(),
            "token_hash": credentials.digest(credential),
            "site_id": who.site_id,
            "tin": who.tin,
            "sub": who.sub,
            "name": who.name,
            "enterprise": who.enterprise,
            "region": who.region,
            "role": who.role[: roles.MAX_ROLE_CHARS],
            "created_at": now,
        }
        person["expires_at"] = credentials.expiry(person, now, ttl, max_age)
    else:
        credential = frame["credential"]
        person = credentials.person_for(z.store, credential, now, max_age)
        if person["site_id"] != site_id:
            raise AuthError("wrong_site.session")
        # The page's own host token says who is there now (expired or not): another person on a
        # shared machine starts afresh rather than resuming the previous person's conversations.
        who = tokens.verify(frame["token"], site, keys, leeway, verify_exp=False)
        if (who.tin, who.sub) != (person["tin"], person["sub"]):
            raise credentials.mismatch()
        person = dict(person, expires_at=credentials.expiry(person, now, ttl, max_age))
        z.store.directory.extend_session(person["id"], person["expires_at"])
    region = _region_or_refuse(z, person["region"], site_id)
    if frame["type"] == "auth.hello":
        z.store.directory.create_session(person)
    live = z.service.live_of(person)
    return person, {
        "type": "auth.ok",
        "credential": credential,
        "expires_at": person["expires_at"].isoformat(),
        "person": {
            "name": person["name"],
            "enterprise": person["enterprise"],
            "tin": person["tin"],
        },
        "region": {
            "code": region["code"],
            "name": region["name"],
            "smart_service": region["smart_service"],
        },
        "centre": z.router.centre_view(region["centre_id"]),
        "live": z.service.public_view(live) if live else None,
        "limits": _limits(z.service.config),
        "media": _media(z),
    }


def _region_or_refuse(z, code, site_id):
    region = z.store.directory.get_region(code)
    if region is None or region["site_id"] != site_id:
        raise AuthError("region_unknown", code=code)
    return region


def _reply(frame, **fields):
    return {"type": "reply", "ref": frame.get("cid"), "ok": True, **fields}


# -- shared --------------------------------------------------------------------------------------


def on_ping(ctx, frame):
    return {"type": "pong"}


def on_ack(ctx, frame):
    ctx.watched(frame["interaction_id"])
    ctx.conn.ack(frame["interaction_id"], frame["seq"])


def on_typing(ctx, frame):
    ctx.watched(frame["interaction_id"])
    ctx.service.ephemeral(
        frame["interaction_id"],
        {
            "type": "typing",
            "interaction_id": frame["interaction_id"],
            "role": ctx.actor.role,
            "on": frame["on"],
        },
        ctx.actor.role,
    )


def on_read(ctx, frame):
    ctx.watched(frame["interaction_id"])
    ctx.service.mark_read(ctx.actor, frame["interaction_id"], frame["seq"])


def on_message(ctx, frame):
    interaction = None  # an agent's is checked in send_message
    if ctx.person:  # a taxpayer's own, as last read: send_message checks its version as it stores
        interaction = ctx.service.owned(ctx.person, frame["interaction_id"], recent=True)
    seq = ctx.service.send_message(
        ctx.actor,
        frame["interaction_id"],
        frame["cid"],
        frame.get("text", ""),
        frame.get("attachment_id"),
        interaction=interaction,
    )
    ctx.z.metrics.count_message(ctx.actor.role)
    return _reply(frame, interaction_id=frame["interaction_id"], seq=seq)


# -- taxpayer ------------------------------------------------------------------------------------


def on_sync_taxpayer(ctx, frame):
    interaction = ctx.service.owned(ctx.person, frame["interaction_id"])
    ctx.conn.watch(interaction.id, frame["last_seq"])
    if interaction.state == "queued":
        position = ctx.service.position_of(interaction)
        if position:
            ctx.conn.send(position)


def on_history(ctx, frame):
    return {"type": "history", "ref": frame.get("cid"), "items": ctx.service.history(ctx.person)}


def on_bot_ask(ctx, frame):
    interaction, seq = ctx.z.smart.ask(
        ctx.person, frame["cid"], frame["text"], frame.get("lang", "zh")
    )
    ctx.follow(interaction.id)
    return _reply(frame, interaction_id=interaction.id, seq=seq)


def on_bot_pick(ctx, frame):
    interaction = ctx.z.smart.pick(
        ctx.person, frame["cid"], frame["kb_id"], frame.get("lang", "zh")
    )
    ctx.follow(interaction.id)
    return _reply(frame, interaction_id=interaction.id)


def on_human(ctx, frame):
    interaction = ctx.service.request_human(ctx.person)
    ctx.follow(interaction.id)
    position = ctx.service.position_of(
        interaction
    )  # published before this tab followed it: send it here
    if position:
        ctx.conn.send(position)
    return _reply(frame, interaction_id=interaction.id, state=interaction.state)


def on_feedback(ctx, frame):
    ctx.z.smart.feedback(ctx.person, frame["interaction_id"], frame["seq"], frame["value"])
    return _reply(frame, interaction_id=frame["interaction_id"], seq=frame["seq"])


def on_leave(ctx, frame):
    row = ctx.service.leave_message(
        ctx.person, frame["cid"], frame["text"], frame.get("contact", "")
    )
    return _reply(frame, id=row["id"])


def on_cancel(ctx, frame):
    interaction = ctx.service.cancel(ctx.person, frame["interaction_id"])
    return _reply(frame, interaction_id=interaction.id, state=interaction.state)


def on_close(ctx, frame):
    interaction = ctx.service.close(ctx.person, frame["interaction_id"])
    return _reply(frame, interaction_id=interaction.id, state=interaction.state)


def on_rating(ctx, frame):
    ctx.service.rate(
        ctx.person,
        frame["interaction_id"],
        frame["score"],
        frame.get("tags", []),
        frame.get("comment", ""),
    )
    return _reply(frame, interaction_id=frame["interaction_id"])


def on_forms_list(ctx, frame):
    return {"type": "forms", "ref": frame.get("cid"), "items": ctx.z.forms.of_person(ctx.person)}


def on_form_attach(ctx, frame):
    form = ctx.z.forms.attach(
        ctx.person,
        frame["interaction_id"],
        frame["form_id"],
        frame["item_id"],
        frame["attachment_id"],
    )
    return _reply(frame, interaction_id=frame["interaction_id"], form=form)


def on_form_submit(ctx, frame):
    form = ctx.z.forms.submit(ctx.person, frame["interaction_id"], frame["form_id"])
    return _reply(frame, interaction_id=frame["interaction_id"], form=form)


# -- agent ---------------------------------------------------------------------------------------


def on_form_send(ctx, frame):
    form = ctx.z.forms.send(
        ctx.agent,
        frame["interaction_id"],
        frame["cid"],
        frame["title"],
        frame["items"],
        frame.get("template_id"),
    )
    return _reply(frame, interaction_id=frame["interaction_id"], form=form)


def on_form_return(ctx, frame):
    form = ctx.z.forms.return_(
        ctx.agent, frame["interaction_id"], frame["form_id"], frame["reason"]
    )
    return _reply(frame, interaction_id=frame["interaction_id"], form=form)


def on_form_done(ctx, frame):
    form = ctx.z.forms.complete(
        ctx.agent, frame["interaction_id"], frame["form_id"], frame["result"]
    )
    return _reply(frame, interaction_id=frame["interaction_id"], form=form)


def on_sync_agent(ctx, frame):
    interaction = ctx.service.visible_to_agent(ctx.agent, frame["interaction_id"])
    if frame["last_seq"] == 0:
        ctx.z.desk.record_view(ctx.agent, interaction)
    ctx.conn.watch(interaction.id, frame["last_seq"])


def on_transfer(ctx, frame):
    interaction = ctx.z.desk.transfer(
        ctx.agent,
        frame["interaction_id"],
        frame.get("to_agent"),
        frame.get("to_centre"),
        frame.get("note", ""),
    )
    return _reply(frame, interaction_id=interaction.id, state=interaction.state)


def on_note(ctx, frame):
    seq = ctx.z.desk.add_note(ctx.agent, frame["interaction_id"], frame["text"])
    return _reply(frame, interaction_id=frame["interaction_id"], seq=seq)


def on_history_of(ctx, frame):
    return {
        "type": "history",
        "ref": frame["cid"],
        "interaction_id": frame["interaction_id"],
        "items": ctx.z.desk.history_of(ctx.agent, frame["interaction_id"]),
    }


def on_accept(ctx, frame):
    interaction = ctx.z.desk.accept(ctx.agent, frame["interaction_id"])
    ctx.follow(interaction.id)
    return _reply(frame, interaction_id=interaction.id, state=interaction.state)


def on_end(ctx, frame):
    interaction = ctx.z.desk.end(ctx.agent, frame["interaction_id"], frame.get("category", ""))
    return _reply(frame, interaction_id=interaction.id, state=interaction.state)


def on_presence(ctx, frame):
    agent = ctx.agent
    ctx.z.store.directory.update_agent(agent["id"], presence=frame["value"])
    ctx.z.presence.set_status(agent["id"], agent["centre_id"], frame["value"])
    ctx.z.store.directory.log_presence(
        agent["id"], agent["centre_id"], frame["value"], ctx.z.clock()
    )
    ctx.service.queue_changed(agent["centre_id"])
    return {"type": "presence", "value": frame["value"]}


def _call(event):
    def handler(ctx, frame):
        if ctx.person:
            ctx.service.owned(ctx.person, frame["interaction_id"])
        interaction = ctx.z.calls.change(ctx.actor, frame["interaction_id"], event)
        return _reply(
            frame,
            interaction_id=interaction.id,
            call=interaction.call_state,
            call_id=interaction.call_id if interaction.call_state != "none" else None,
        )

    return handler


def on_rtc_offer(ctx, frame):
    if ctx.person:
        ctx.service.owned(ctx.person, frame["interaction_id"])
    sdp = ctx.z.calls.offer(
        ctx.actor, frame["interaction_id"], frame["sdp"], restart=frame.get("restart", False)
    )
    return {
        "type": "rtc.answer",
        "ref": frame["cid"],
        "interaction_id": frame["interaction_id"],
        "sdp": sdp,
    }


SHARED = {
    "ping": on_ping,
    "ack": on_ack,
    "typing": on_typing,
    "read": on_read,
    "message.send": on_message,
    "call.hangup": _call("hangup"),
    "rtc.offer": on_rtc_offer,
}
TAXPAYER_HANDLERS = {
    **SHARED,
    "sync": on_sync_taxpayer,
    "history.list": on_history,
    "bot.ask": on_bot_ask,
    "bot.pick": on_bot_pick,
    "human.request": on_human,
    "bot.feedback": on_feedback,
    "leave.submit": on_leave,
    "interaction.cancel": on_cancel,
    "interaction.close": on_close,
    "rating.submit": on_rating,
    "call.request": _call("request"),
    "call.cancel": _call("cancel"),
    "forms.list": on_forms_list,
    "form.attach": on_form_attach,
    "form.submit": on_form_submit,
}
AGENT_HANDLERS = {
    **SHARED,
    "sync": on_sync_agent,
    "interaction.accept": on_accept,
    "interaction.end": on_end,
    "presence.set": on_presence,
    "interaction.transfer": on_transfer,
    "note.add": on_note,
    "history.of": on_history_of,
    "call.accept": _call("accept"),
    "call.decline": _call("decline"),
    "form.send": on_form_send,
    "form.return": on_form_return,
    "form.done": on_form_done,
}
