"""Attachment upload and download for taxpayers (Bearer credential) and agents (console session)."""

from pathlib import Path

from flask import Blueprint, current_app, jsonify, request, send_file

from .. import credentials, csrf, demo, uploads
from ..errors import ZhengnaError
from ..models import Actor
from ..origins import origin_allowed
from ..store import new_id
from . import ext, limiter, session_agent

bp = Blueprint("files", __name__)


def _caller():
    """Return (actor, person or agent row) from a Bearer credential or the console session."""
    z = ext()
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        person = credentials.person_for(
            z.store, header[7:].strip(), z.clock(), current_app.config["CREDENTIAL_MAX_AGE"]
        )
        if person["site_id"] == demo.SITE:
            demo.refuse_unless_served(current_app.config, request.environ)
        return Actor.taxpayer(person), person
    agent = session_agent()
    if agent is None:
        raise ZhengnaError("login_required")
    if request.method == "POST":
        csrf.protect()  # cookies ride along on cross-site requests; a Bearer header does not
    return Actor.agent(agent), agent


def _directory():
    return Path(current_app.config["DATA_DIR"]) / "attachments"


@bp.route("/api/attachments", methods=["OPTIONS"])
@bp.route("/api/attachments/<attachment_id>", methods=["OPTIONS"])
def preflight(attachment_id=None):
    """Answer CORS preflights from any origin a site allows."""
    return "", 204


@bp.post("/api/attachments")
@csrf.exempt
@limiter.limit("30 per minute")
def upload():
    """Accept one image or PDF for an interaction, judged by its content."""
    actor, who = _caller()
    service = ext().service
    interaction_id = request.form.get("interaction_id", "")
    if actor.role == "taxpayer":
        service.owned(who, interaction_id)
    service.check_can_attach(actor, interaction_id)
    file = request.files.get("file")
    if file is None:
        raise ZhengnaError("bad_field.no_file")
    data = file.read(uploads.MAX_BYTES + 1)
    content_type = uploads.check(data)
    quota = current_app.config["UPLOAD_QUOTA_BYTES"]
    if ext().store.media.attachment_bytes(interaction_id) + len(data) > quota:
        raise ZhengnaError("upload_quota", mb=quota // (1024 * 1024))
    attachment_id = new_id()
    row = {
        "id": attachment_id,
        "interaction_id": interaction_id,
        "uploader_role": actor.role,
        "uploader_id": actor.id,
        "name": uploads.clean_name(file.filename, content_type),
        "content_type": content_type,
        "size": len(data),
        "sha256": uploads.save(_directory(), attachment_id, data),
        "created_at": ext().clock(),
    }
    ext().store.media.save_attachment(row)
    return jsonify(attachment=service.attachment_view(row)), 201


@bp.get("/api/attachments/<attachment_id>")
def download(attachment_id):
    """Send an attachment to someone who may see its interaction."""
    actor, who = _caller()
    row = ext().store.media.get_attachment(attachment_id)
    if row is None:
        raise ZhengnaError("not_found.file")
    service = ext().service
    if actor.role == "taxpayer":
        service.owned(who, row["interaction_id"])
    else:
        service.visible_to_agent(who, row["interaction_id"])
    response = send_file(
        _directory() / attachment_id,
        mimetype=row["content_type"],
        download_name=row["name"],
        as_attachment=row["content_type"] == "application/pdf",
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.after_request
def cors(response):
    """Let pages on a site's allowed origins call these endpoints with a Bearer credential."""
    origin = request.headers.get("Origin")
    if origin and any(
        origin_allowed(origin, site["allowed_origins"])
        for site in ext().store.directory.sites()
        if site["id"] != demo.SITE or demo.serves(current_app.config, request.environ)
    ):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Max-Age"] = "600"
        response.headers["Vary"] = "Origin"
    return response
