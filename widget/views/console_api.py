"""The console's JSON API (/console/api) for agents, supervisors and administrators; every role is
checked here, on the server. The console's pages and login are console.py."""

import functools
from datetime import timedelta

from flask import Blueprint, current_app, g, jsonify, request, send_file

from .. import accounts, forms, hours, protocol, scope, states
from ..calls import recording_path
from ..errors import ZhengnaError
from ..store import new_id
from . import ext, session_agent

bp = Blueprint("console_api", __name__, url_prefix="/console/api")
SUPERVISORS = ("supervisor", "admin")


def role(*allowed):
    """Require a logged-in console user with one of the allowed roles (any role when none given)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            agent = session_agent()
            if agent is None:
                raise ZhengnaError("login_required")
            if allowed and agent["role"] not in allowed:
                raise ZhengnaError("forbidden.page")
            g.agent = agent
            return view(*args, **kwargs)

        return wrapper

    return decorate


def _body():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ZhengnaError("bad_field.json_body")
    return body


def _agent_view(row):
    return {
        key: row[key]
        for key in (
            "id",
            "username",
            "display_name",
            "centre_id",
            "role",
            "max_concurrent",
            "presence",
            "disabled",
        )
    }


@bp.get("/me")
@role()
def me():
    """Return who is logged in."""
    return jsonify(agent=_agent_view(g.agent))


@bp.get("/board")
@role(*SUPERVISORS)
def board():
    """Return the live figures (waiting, in service, agents online) of the caller's centre; an
    admin's: every centre's."""
    z = ext()
    centres, ratings = [], z.store.ratings.rating_figures()
    for centre in z.store.directory.centres():
        if not scope.same_centre(g.agent, centre["id"]):
            continue
        waiting = z.store.conversations.interactions_in(
            [states.State.QUEUED.value], centre_id=centre["id"]
        )
        serving = z.store.conversations.interactions_in(
            [states.State.CONNECTED.value], centre_id=centre["id"]
        )
        centres.append(
            {
                **z.router.centre_view(centre["id"]),
                "waiting": len(waiting),
                "in_service": len(serving),
                "agents_online": z.presence.online_in(centre["id"]),
                "longest_wait_since": waiting[0].queued_at.isoformat() if waiting else None,
                "ratings": _figures(centre["id"], ratings),
            }
        )
    return jsonify(centres=centres)


@bp.get("/quick-replies")
@role()
def quick_replies():
    """Return the quick replies (常用语) of the caller's centre."""
    return jsonify(items=ext().store.knowledge.quick_replies_of(g.agent["centre_id"]))


@bp.post("/quick-replies")
@role(*SUPERVISORS)
def add_quick_reply():
    """Add or replace a quick reply of the caller's centre."""
    body = _body()
    text = str(body.get("text", "")).strip()
    if not 0 < len(text) <= 500:
        raise ZhengnaError("bad_field.quick_reply")
    reply_id = str(body.get("id") or new_id())[:32]
    existing = ext().store.knowledge.quick_reply(reply_id)
    if existing is not None and existing["centre_id"] != g.agent["centre_id"]:
        raise ZhengnaError("not_found.quick_reply")
    row = {
        "id": reply_id,
        "centre_id": g.agent["centre_id"],
        "text": text,
        "position": int(body.get("position", 0)),
        "created_at": ext().clock(),
    }
    ext().store.knowledge.put_quick_reply(row)
    return jsonify(item=row), 201


@bp.delete("/quick-replies/<reply_id>")
@role(*SUPERVISORS)
def delete_quick_reply(reply_id):
    """Remove a quick reply of the caller's centre."""
    if not ext().store.knowledge.delete_quick_reply(reply_id, g.agent["centre_id"]):
        raise ZhengnaError("not_found.quick_reply")
    return jsonify(ok=True)


@bp.get("/transfer-targets")
@role()
def transfer_targets():
    """Return whom a conversation can be handed to: agents scope allows, every centre's queue."""
    z = ext()
    agents = [
        {
            "id": a["id"],
            "display_name": a["display_name"],
            "centre_id": a["centre_id"],
            "presence": a["presence"],
            "online": z.presence.is_connected(a["id"]),
        }
        for a in scope.transfer_agents(z.store, g.agent)
    ]
    centres = [
        {"id": c["id"], "name": c["name"], "open": z.router.centre_status(c["id"]).open}
        for c in z.store.directory.centres()
    ]
    return jsonify(agents=agents, centres=centres)


@bp.get("/agents")
@role(*SUPERVISORS)
def agents():
    """Return the accounts (supervisors: their centre's; admins: all)."""
    centre = None if g.agent["role"] == "admin" else g.agent["centre_id"]
    return jsonify(items=[_agent_view(a) for a in ext().store.directory.agents_of(centre)])


@bp.post("/agents")
@role("admin")
def create_agent():
    """Create an account."""
    body = _body()
    try:
        row = accounts.create_agent(
            ext().store,
            str(body.get("username", "")),
            str(body.get("password", "")),
            str(body.get("centre_id", "")),
            role=body.get("role", "agent"),
            display_name=body.get("display_name"),
            max_concurrent=int(body.get("max_concurrent", 5)),
        )
    except (ValueError, TypeError) as exc:
        raise ZhengnaError("bad_field.account", reason=exc) from None
    _audit("create_agent", {"username": row["username"], "role": row["role"]})
    return jsonify(item=_agent_view(row)), 201


@bp.patch("/agents/<agent_id>")
@role("admin")
def update_agent(agent_id):
    """Change an account's role, centre, limit, password or disabled flag; changing role, centre,
    password or disabled ends its sessions and open consoles at once."""
    body, store = _body(), ext().store
    if store.directory.get_agent(agent_id) is None:
        raise ZhengnaError("not_found.account")
    changes = {}
    if "role" in body:
        if body["role"] not in accounts.ROLES:
            raise ZhengnaError("bad_field.role")
        changes["role"] = body["role"]
    if "centre_id" in body:
        if store.directory.get_centre(body["centre_id"]) is None:
            raise ZhengnaError("bad_field.centre")
        changes["centre_id"] = body["centre_id"]
    if "max_concurrent" in body:
        if not isinstance(body["max_concurrent"], int) or not 1 <= body["max_concurrent"] <= 1000:
            raise ZhengnaError("bad_field.max_concurrent")
        changes["max_concurrent"] = body["max_concurrent"]
    if "disabled" in body:
        changes["disabled"] = bool(body["disabled"])
    audited = dict(changes)
    if "password" in body:
        password = body["password"]
        if not isinstance(password, str) or len(password) < 8:
            raise ZhengnaError("bad_field.password")
        changes["password_hash"] = accounts.hash_password(password)
        audited["password"] = "changed"
    before = store.directory.get_agent(agent_id)
    store.directory.update_agent(agent_id, **changes)
    _audit("update_agent", {"agent": agent_id, **audited})
    if any(key in changes and changes[key] != before[key] for key in accounts.SESSION_CHANGES):
        accounts.end_sessions(store, ext().bus, agent_id)
    item = _agent_view(store.directory.get_agent(agent_id))
    ext().bus.publish(
        f"agent:{agent_id}",
        {
            "kind": "ephemeral",
            "from_role": "system",
            "frame": {"type": "agent.updated", "agent": item},
        },
    )
    return jsonify(item=item)


@bp.get("/centres")
@role(*SUPERVISORS)
def centres():
    """Return every centre with its schedule and whether it serves now."""
    z = ext()
    return jsonify(
        items=[
            {
                **z.router.centre_view(c["id"]),
                "schedule": c["schedule"],
                "queue_timeout": c["queue_timeout"],
            }
            for c in z.store.directory.centres()
        ]
    )


@bp.put("/centres/<centre_id>/schedule")
@role("admin")
def set_schedule(centre_id):
    """Replace a centre's working hours; the widget and the queue react at the next sweep."""
    body, z = _body(), ext()
    if z.store.directory.get_centre(centre_id) is None:
        raise ZhengnaError("not_found.centre")
    try:
        hours.Schedule.from_dict(body)
    except (ValueError, TypeError, KeyError) as exc:
        raise ZhengnaError("bad_schedule", reason=exc) from None
    z.store.directory.update_centre(centre_id, schedule=body)
    _audit("set_schedule", {"centre": centre_id})
    return jsonify(item=z.router.centre_view(centre_id))


@bp.get("/holidays")
@role(*SUPERVISORS)
def holidays():
    """Return the loaded years of the national arrangement and the years still missing."""
    z = ext()
    calendar = z.router.calendar
    return jsonify(years=list(calendar.years), missing_years=calendar.missing_years(z.clock()))


@bp.post("/holidays")
@role("admin")
def add_holiday_year():
    """Enter a year's national holiday arrangement (same shape as the shipped cn-YYYY.json)."""
    body, z = _body(), ext()
    try:
        calendar = z.router.calendar.with_year(body)
    except (ValueError, TypeError, KeyError) as exc:
        raise ZhengnaError("bad_holidays", reason=exc) from None
    z.store.directory.put_holiday_year(int(body["year"]), body, z.clock())
    z.router.forget()
    _audit("add_holiday_year", {"year": body["year"]})
    return jsonify(years=list(calendar.years), missing_years=calendar.missing_years(z.clock())), 201


@bp.get("/regions")
@role(*SUPERVISORS)
def regions():
    """Return every region with its centre and smart-service switch."""
    return jsonify(items=ext().store.directory.regions())


@bp.patch("/regions/<code>")
@role("admin")
def update_region(code):
    """Change which centre serves a region, or its smart-service switch."""
    body, store = _body(), ext().store
    if store.directory.get_region(code) is None:
        raise ZhengnaError("not_found.region")
    changes = {}
    if "centre_id" in body:
        if store.directory.get_centre(body["centre_id"]) is None:
            raise ZhengnaError("bad_field.centre")
        changes["centre_id"] = body["centre_id"]
    if "smart_service" in body:
        changes["smart_service"] = bool(body["smart_service"])
    store.directory.update_region(code, **changes)
    _audit("update_region", {"region": code, **changes})
    return jsonify(item=store.directory.get_region(code))


@bp.get("/leave-messages")
@role()
def leave_messages():
    """Return the messages left for the caller's centre (the inbox)."""
    return jsonify(items=ext().store.conversations.leave_messages_of(g.agent["centre_id"]))


@bp.patch("/leave-messages/<leave_id>")
@role()
def mark_leave_message(leave_id):
    """Mark a left message handled or new."""
    status = _body().get("status")
    if status not in ("new", "handled"):
        raise ZhengnaError("bad_field.leave_status")
    if not ext().store.conversations.set_leave_status(
        leave_id, g.agent["centre_id"], status, ext().clock()
    ):
        raise ZhengnaError("not_found.leave_message")
    return jsonify(ok=True)


def _figures(centre_id, every=None):
    """Return a centre's rating figures (from every centre's, when given): removed ones left out."""
    every = ext().store.ratings.rating_figures() if every is None else every
    count, total, satisfied = every.get(centre_id, (0, 0, 0))
    return {
        "count": count,
        "average": round(total / count, 2) if count else None,
        "satisfied_share": round(satisfied / count, 3) if count else None,
    }


@bp.get("/ratings")
@role(*SUPERVISORS)
def ratings():
    """Return the centre's 好差评 ratings (newest first, agent, category, removed) and figures."""
    store = ext().store
    items = store.ratings.evaluations_of(g.agent["centre_id"])
    categories = store.conversations.end_categories([item["interaction_id"] for item in items])
    names = {agent["id"]: agent["display_name"] for agent in store.directory.agents_of()}
    return jsonify(
        items=[
            {
                **item,
                "removed": item["removed_at"] is not None,
                "agent_name": names.get(item["agent_id"], ""),
                "category": categories.get(item["interaction_id"], ""),
            }
            for item in items
        ],
        figures=_figures(g.agent["centre_id"]),
    )


# -- 差评回访 and 申诉复核 ------------------------------------------------------------------------


@bp.get("/followups")
@role(*SUPERVISORS)
def followups():
    """Return the follow-ups of poor ratings the caller may see (open and overdue first)."""
    return jsonify(items=ext().reviews.followups(g.agent))


@bp.post("/followups/<interaction_id>/close")
@role(*SUPERVISORS)
def close_followup(interaction_id):
    """Close a follow-up with what was done."""
    note = _text(_body().get("note"), 1000, "回访记录", "The follow-up note")
    return jsonify(item=ext().reviews.close_followup(g.agent, interaction_id, note))


@bp.get("/my-ratings")
@role()
def my_ratings():
    """Return the ratings of the caller's own conversations, each with its appeal's state."""
    return jsonify(items=ext().reviews.my_ratings(g.agent))


@bp.post("/ratings/<interaction_id>/appeal")
@role()
def appeal(interaction_id):
    """Appeal a rating of one's own conversation with a reason."""
    reason = _text(_body().get("reason"), 500, "申诉理由", "The reason")
    row = ext().reviews.appeal(g.agent, interaction_id, reason)
    return jsonify(item={"interaction_id": interaction_id, "status": row["status"]}), 201


@bp.get("/appeals")
@role(*SUPERVISORS)
def appeals():
    """Return the appeals the caller may decide (open first)."""
    return jsonify(items=ext().reviews.appeals(g.agent))


@bp.post("/appeals/<interaction_id>/decision")
@role(*SUPERVISORS)
def decide_appeal(interaction_id):
    """Keep the rating, or remove it from the figures (the original stays, marked)."""
    decision = _body().get("decision")
    if decision not in ("keep", "remove"):
        raise ZhengnaError("bad_field.decision")
    return jsonify(item=ext().reviews.decide(g.agent, interaction_id, decision))


# -- 业务办理服务确认单 templates ------------------------------------------------------------------


@bp.get("/form-templates")
@role()
def form_templates():
    """Return the form templates of the caller's centre."""
    return jsonify(items=ext().forms.templates(g.agent))


@bp.post("/form-templates")
@role(*SUPERVISORS)
def put_form_template():
    """Add or replace a form template of the caller's centre."""
    body, store = _body(), ext().store
    title = _text(body.get("title"), 100, "业务名称", "The business name")
    items = body.get("items")
    try:
        items = protocol.material_names(items)
    except ValueError as exc:
        raise ZhengnaError("bad_field.materials", reason=exc) from None
    template_id = body.get("id")
    if template_id is not None:
        old = store.knowledge.get_form_template(str(template_id))
        if old is None or old["centre_id"] != g.agent["centre_id"]:
            raise ZhengnaError("not_found.template")
    position = body.get("position", 0)
    if not isinstance(position, int) or isinstance(position, bool):
        raise ZhengnaError("bad_field.position")
    row = {
        "id": template_id or new_id(),
        "centre_id": g.agent["centre_id"],
        "title": title,
        "items": items,
        "position": position,
        "updated_at": ext().clock(),
        "updated_by": g.agent["id"],
    }
    store.knowledge.put_form_template(row)
    _audit("form_template", {"template": row["id"], "title": title})
    return jsonify(item=forms.template_view(row)), 201


@bp.delete("/form-templates/<template_id>")
@role(*SUPERVISORS)
def delete_form_template(template_id):
    """Remove a form template of the caller's centre (forms already sent keep their copy)."""
    if not ext().store.knowledge.delete_form_template(template_id, g.agent["centre_id"]):
        raise ZhengnaError("not_found.template")
    _audit("form_template_delete", {"template": template_id})
    return jsonify(ok=True)


def _text(value, limit, zh_name, en_name):
    """Return value stripped, or raise bad_field naming it unless it is 1..limit characters."""
    text = value.strip() if isinstance(value, str) else ""
    if not 0 < len(text) <= limit:
        raise ZhengnaError("bad_field.length", name_zh=zh_name, name_en=en_name, limit=limit)
    return text


@bp.get("/interactions/<interaction_id>/transcript")
@role(*SUPERVISORS)
def transcript(interaction_id):
    """Return a conversation's whole record, internal notes included; the view is audited."""
    z = ext()
    interaction = z.service.visible_to_agent(g.agent, interaction_id)
    _audit("view_transcript", {"state": interaction.state}, interaction_id)
    return jsonify(
        interaction=z.service.public_view(interaction),
        events=z.service.events_after(interaction_id, 0, 10000),
        audit=z.store.conversations.audit_events(interaction_id),
    )


@bp.get("/recordings")
@role(*SUPERVISORS)
def centre_recordings():
    """List the newest call recordings (双录) of the caller's centre, with the taxpayer and the
    agent."""
    store = ext().store
    names = {agent["id"]: agent["display_name"] for agent in store.directory.agents_of()}
    items = []
    for row in store.media.recordings_in_centre(g.agent["centre_id"]):
        agent_id = row.pop("agent_id")
        items.append(
            {
                **row,
                "agent_name": names.get(agent_id, ""),
                "url": f"/console/api/recordings/{row['id']}/file",
            }
        )
    return jsonify(items=items)


@bp.get("/interactions/<interaction_id>/recordings")
@role(*SUPERVISORS)
def recordings(interaction_id):
    """List a conversation's call recordings (双录) with duration, size and SHA-256."""
    z = ext()
    z.service.visible_to_agent(g.agent, interaction_id)
    items = [
        {**row, "url": f"/console/api/recordings/{row['id']}/file"}
        for row in z.store.media.recordings_of(interaction_id)
    ]
    return jsonify(items=items)


@bp.get("/recordings/<recording_id>/file")
@role(*SUPERVISORS)
def recording_file(recording_id):
    """Play a recording in the console; every view is audited."""
    z = ext()
    row = z.store.media.get_recording(recording_id)
    if row is None:
        raise ZhengnaError("not_found.recording")
    z.service.visible_to_agent(g.agent, row["interaction_id"])
    try:
        path = recording_path(current_app.config["DATA_DIR"], row["call_id"], row["file"])
    except ValueError:
        raise ZhengnaError("not_found.recording_file") from None
    _audit("view_recording", {"recording": recording_id}, row["interaction_id"])
    return send_file(path, mimetype="video/webm", conditional=True, max_age=0)


def _audit(action, detail, interaction_id=None):
    z = ext()
    z.store.conversations.audit(
        {
            "created_at": z.clock(),
            "actor_role": g.agent["role"],
            "actor_id": g.agent["id"],
            "action": action,
            "interaction_id": interaction_id,
            "detail": detail,
        }
    )


# -- knowledge base ----------------------------------------------------------------------------


def _site():
    """Return the site whose KB is asked for: ?site=, else the first the caller manages
    (scope.kb_sites); a site outside the caller's scope is not found."""
    allowed = scope.kb_sites(ext().store, g.agent)
    site = request.args.get("site") or (allowed[0] if allowed else "")
    if site not in allowed:
        raise ZhengnaError("not_found.site")
    return site


def _kb_change(action, site, change):
    """Apply change(knowledge) (returning the touched rows) and audit it: every entry it touched, as
    taxpayers got it before and as they get it after (None: no such entry)."""
    knowledge = ext().service.knowledge
    before = {item["id"]: item for item in knowledge.entries(site)}
    rows = change(knowledge)
    after = {item["id"]: item for item in knowledge.entries(site)}
    touched = list(dict.fromkeys(row["id"] for row in rows))
    _audit(
        action,
        {
            "site": site,
            "before": {entry_id: before.get(entry_id) for entry_id in touched},
            "after": {entry_id: after.get(entry_id) for entry_id in touched},
        },
    )
    return rows


def _who():
    return f"{g.agent['role']}:{g.agent['username']}"


@bp.get("/kb")
@role(*SUPERVISORS)
def kb_list():
    """List (and search with ?q=) the site's knowledge base."""
    site = _site()
    return jsonify(
        site=site, items=ext().service.knowledge.entries(site, request.args.get("q", ""))
    )


@bp.get("/kb/entry/<entry_id>")
@role(*SUPERVISORS)
def kb_entry(entry_id):
    """Return one entry."""
    return jsonify(item=ext().service.knowledge.entry(_site(), entry_id))


@bp.put("/kb/entry/<entry_id>")
@role(*SUPERVISORS)
def kb_put(entry_id):
    """Add or edit an entry for the site; the bot uses it from the next question on."""
    body = dict(_body(), id=entry_id)
    site = _site()
    rows = _kb_change("kb_edit", site, lambda kb: kb.put(site, [body], _who()))
    return jsonify(item=rows[0])


@bp.delete("/kb/entry/<entry_id>")
@role(*SUPERVISORS)
def kb_delete(entry_id):
    """Remove the site's own version of an entry."""
    site = _site()

    def delete(kb):
        kb.delete(site, entry_id)
        return [{"id": entry_id}]

    _kb_change("kb_delete", site, delete)
    return jsonify(ok=True)


@bp.post("/kb/entry/<entry_id>/aliases")
@role(*SUPERVISORS)
def kb_alias(entry_id):
    """Add a way of asking to an entry (one click from the insights list)."""
    site, text = _site(), _body().get("text")
    rows = _kb_change("kb_alias", site, lambda kb: [kb.add_alias(site, entry_id, text, _who())])
    return jsonify(item=rows[0]), 201


@bp.get("/kb/export")
@role(*SUPERVISORS)
def kb_export():
    """Download the site's knowledge base as JSON lines."""
    site = _site()
    response = ext().service.knowledge.export(site)
    return (
        response,
        200,
        {
            "Content-Type": "application/x-ndjson; charset=utf-8",
            "Content-Disposition": f'attachment; filename="kb-{site}.jsonl"',
        },
    )


@bp.post("/kb/import")
@role(*SUPERVISORS)
def kb_import():
    """Import JSON lines (the export's shape): all lines are stored, or none if one is bad."""
    site, text = _site(), request.get_data(as_text=True)
    rows = _kb_change("kb_import", site, lambda kb: kb.import_lines(site, text, _who()))
    return jsonify(imported=len(rows)), 201


@bp.get("/kb/insights")
@role(*SUPERVISORS)
def kb_insights():
    """Return the most frequent unanswered and disliked questions of the last ?days= (30)."""
    days = min(max(request.args.get("days", 30, type=int), 1), 365)
    z = ext()
    return jsonify(z.service.knowledge.insights(_site(), z.clock() - timedelta(days=days)))


@bp.get("/kb/thesaurus")
@role(*SUPERVISORS)
def kb_thesaurus():
    """List the word pairs in force for the site: shipped ones and the site's own."""
    site = _site()
    return jsonify(site=site, items=ext().service.knowledge.thesaurus(site))


@bp.post("/kb/thesaurus/check")
@role(*SUPERVISORS)
def kb_thesaurus_check():
    """Say what a pair would do to the site's KB before it is added."""
    body = _body()
    return jsonify(
        ext().service.knowledge.check_pair(_site(), body.get("variant"), body.get("canonical"))
    )


@bp.post("/kb/thesaurus")
@role(*SUPERVISORS)
def kb_thesaurus_add():
    """Add a pair for the site when its check accepts it (else 400 thesaurus_rejected, saying
    why)."""
    body = _body()
    site = _site()
    check = ext().service.knowledge.add_pair(
        site, body.get("variant"), body.get("canonical"), _who()
    )
    _audit(
        "kb_thesaurus_add",
        {"site": site, "variant": check["variant"], "canonical": check["canonical"]},
    )
    return jsonify(check), 201


@bp.delete("/kb/thesaurus/<variant>")
@role(*SUPERVISORS)
def kb_thesaurus_delete(variant):
    """Remove one of the site's own pairs."""
    site = _site()
    ext().service.knowledge.delete_pair(site, variant)
    _audit("kb_thesaurus_delete", {"site": site, "variant": variant})
    return jsonify(ok=True)
