"""业务办理服务确认单: sent by an agent in a conversation, filled by the taxpayer, returned or done.

Every step is a `form.state` event of the conversation (so sync and resume replay it), an audit
row, and a new version of the form's own row; its status moves only by states.next_form_status.
"""

from __future__ import annotations

from . import states
from .errors import ZhengnaError
from .models import Actor
from .scope import require_scope
from .store import Duplicate, new_id

MAX_ITEMS = 20  # a business needs a handful of materials; a list longer than this is a mistake
MAX_FILES = 10  # files per material (a multi-page scan sent page by page)


class Forms:
    """What agents and taxpayers do to forms, scoped like the conversation each belongs to."""

    def __init__(self, service):
        self.service, self.store = service, service.store

    # -- reading -------------------------------------------------------------------------------

    def of_person(self, person):
        """Return the person's forms across their conversations, newest first (我的业务确认单)."""
        rows = self.store.forms.forms_of_person(person["site_id"], person["tin"], person["sub"])
        conversations = {}
        for row in rows:
            if row["interaction_id"] not in conversations:
                conversations[row["interaction_id"]] = self.service.public_view(
                    self.service.get(row["interaction_id"])
                )
        return [dict(view(row), interaction=conversations[row["interaction_id"]]) for row in rows]

    def templates(self, agent):
        """Return the form templates of the agent's centre."""
        return [
            template_view(t) for t in self.store.knowledge.form_templates_of(agent["centre_id"])
        ]

    # -- the agent's steps -----------------------------------------------------------------------

    def send(self, agent, interaction_id, cid, title, items, template_id=None):
        """Send a form naming the business and its materials; return it (a resend: the first)."""
        interaction = self._conversation_of_agent(agent, interaction_id)
        done = self.store.forms.form_by_cid(interaction_id, agent["id"], cid)
        if done is not None:
            return view(done)
        if template_id is not None:
            template = self.store.knowledge.get_form_template(template_id)
            if template is None or template["centre_id"] != interaction.centre_id:
                raise ZhengnaError("not_found.form_template")
        status = states.next_form_status(None, "send", "agent").value
        now, actor = self.service.clock(), Actor.agent(agent)
        row = {
            "id": new_id(),
            "interaction_id": interaction_id,
            "centre_id": interaction.centre_id,
            "template_id": template_id,
            "title": title,
            "items": [
                {"id": f"m{number}", "name": name, "files": []}
                for number, name in enumerate(items, 1)
            ],
            "status": status,
            "reason": "",
            "result": "",
            "version": 0,
            "created_at": now,
            "created_by": agent["id"],
            "cid": cid,
            "updated_at": now,
            "updated_by_role": "agent",
            "updated_by": agent["id"],
        }
        try:
            self.service.uow.write(
                lambda: self.store.forms.create_form(row, _event(actor, now, "send", row))
            )
        except Duplicate:
            return view(self.store.forms.form_by_cid(interaction_id, agent["id"], cid))
        self._audit(actor, "form_send", interaction_id, {"form": row["id"], "title": title})
        return view(row)

    def return_(self, agent, interaction_id, form_id, reason):
        """Send a submitted form back to the taxpayer with the reason (退回)."""
        self._conversation_of_agent(agent, interaction_id)
        return self._step(Actor.agent(agent), interaction_id, form_id, "return", {"reason": reason})

    def complete(self, agent, interaction_id, form_id, result):
        """Mark a submitted form done with what was done (办结)."""
        self._conversation_of_agent(agent, interaction_id)
        return self._step(
            Actor.agent(agent), interaction_id, form_id, "complete", {"result": result}
        )

    # -- the taxpayer's steps --------------------------------------------------------------------

    def attach(self, person, interaction_id, form_id, item_id, attachment_id):
        """Put a file the person uploaded to this conversation into one material of a form."""
        self._conversation_of_person(person, interaction_id)
        actor = Actor.taxpayer(person)
        file = self.service.attachment_view(
            self.service.own_attachment(actor, interaction_id, attachment_id)
        )

        def change(form):
            items = [dict(item, files=list(item["files"])) for item in form["items"]]
            item = next((i for i in items if i["id"] == item_id), None)
            if item is None:
                raise ZhengnaError("not_found.form_item")
            if any(f["id"] == attachment_id for f in item["files"]):
                return None  # already there: a resend
            if len(item["files"]) >= MAX_FILES:
                raise ZhengnaError("too_many_files", max=MAX_FILES)
            item["files"].append(file)
            return {"items": items}

        view = self._step(
            actor, interaction_id, form_id, "attach", change, {"item_id": item_id, "file": file}
        )
        self.store.media.mark_attachment_used(
            attachment_id, self.service.clock()
        )  # a form holds it
        return view

    def submit(self, person, interaction_id, form_id):
        """Confirm a form whose every material has a file (提交确认)."""
        self._conversation_of_person(person, interaction_id)

        def change(form):
            missing = [item["name"] for item in form["items"] if not item["files"]]
            if missing:
                raise ZhengnaError(
                    "form_incomplete",
                    {"missing": missing},
                    missing_zh="、".join(missing),
                    missing_en=", ".join(missing),
                )
            return {}

        return self._step(Actor.taxpayer(person), interaction_id, form_id, "submit", change)

    # -- the one path through the form's statuses ------------------------------------------------

    def _step(self, actor, interaction_id, form_id, event, change, extra=None):
        def attempt():  # the unit of work runs it again when another step moved the form first
            form = self.store.forms.get_form(form_id)
            if form is None or form["interaction_id"] != interaction_id:
                raise ZhengnaError("not_found.form")
            target = states.FORM_TRANSITIONS.get((_status(form), event))
            if _is_resend(form, actor, event, target):
                return form, False
            target = states.next_form_status(form["status"], event, actor.role)
            changes = change(form) if callable(change) else dict(change)
            if changes is None:
                return form, False
            now = self.service.clock()
            after = {
                **form,
                **changes,
                "status": target.value,
                "updated_at": now,
                "updated_by_role": actor.role,
                "updated_by": actor.id,
            }
            event_row = _event(actor, now, event, after, extra)
            self.service.uow.write(lambda: self.store.forms.commit_form(form, after, event_row))
            return after, True

        form, changed = self.service.uow.retrying(attempt)
        if changed:
            detail = {"form": form_id, **{k: v for k, v in (extra or {}).items() if k != "file"}}
            if extra and "file" in extra:
                detail["attachment"] = extra["file"]["id"]
            self._audit(actor, f"form_{event}", interaction_id, detail)
        return view(form)

    # -- scope -----------------------------------------------------------------------------------

    def _conversation_of_agent(self, agent, interaction_id):
        interaction = self.service.get(interaction_id)
        require_scope(agent, interaction.centre_id, interaction, serving=True)
        return _connected(interaction)

    def _conversation_of_person(self, person, interaction_id):
        return _connected(self.service.owned(person, interaction_id))

    def _audit(self, actor, action, interaction_id, detail):
        self.store.conversations.audit(
            {
                "created_at": self.service.clock(),
                "actor_role": actor.role,
                "actor_id": actor.id,
                "action": action,
                "interaction_id": interaction_id,
                "detail": detail,
            }
        )


def _connected(interaction):
    if interaction.state != states.State.CONNECTED.value:
        raise ZhengnaError("form_unavailable", {"state": interaction.state})
    return interaction


def _status(form):
    return states.FormStatus(form["status"])


def _is_resend(form, actor, event, rule):
    """Tell whether a step the form already shows is being asked for again by whoever took it."""
    if event == "attach" or rule is not None:
        return False
    reached = {"submit": "submitted", "return": "returned", "complete": "done"}.get(event)
    return form["status"] == reached and (form["updated_by_role"], form["updated_by"]) == (
        actor.role,
        actor.id,
    )


def _event(actor: Actor, now, event, form, extra=None):
    payload = {"event": event, "form": view(form)}
    if extra and "item_id" in extra:
        payload["item_id"] = extra["item_id"]
    return {"type": "form.state", "actor": actor, "at": now, "payload": payload, "touch": True}


def view(row):
    """Return what both sides see of a form."""
    return {
        "id": row["id"],
        "interaction_id": row["interaction_id"],
        "title": row["title"],
        "items": row["items"],
        "status": row["status"],
        "reason": row["reason"],
        "result": row["result"],
        "template_id": row["template_id"],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }


def template_view(row):
    """Return what the console shows of a template."""
    return {
        "id": row["id"],
        "title": row["title"],
        "items": row["items"],
        "position": row["position"],
    }
