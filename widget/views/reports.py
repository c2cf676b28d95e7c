"""报表: the reports page, its figures and charts, exports, and transcript search (supervisors
and admins)."""

import json
import re

from flask import Blueprint, Response, g, jsonify, render_template, request, session

from .. import charts, exports, reports, search
from ..errors import ZhengnaError
from ..store import rollups
from . import ext
from .console_api import SUPERVISORS, _audit, role

bp = Blueprint("reports", __name__)

CHARTS = {
    "hours": ("按小时的咨询量 Requests by hour of day", "by_hour"),
    "days": ("按日的咨询量 Requests by day", "by_day"),
    "waits": ("等待时长分布 Waiting time", "waits"),
    "ratings": ("好差评分布 Ratings", "ratings"),
}
TIN = re.compile(r"[0-9A-Za-z]{15,20}")  # 纳税人识别号: 15-20 letters and digits
EARLIEST = "2000-01-01"  # a search without a start date looks from here
SERIES = (("requests", "咨询 requests"), ("served", "接入 served"), ("abandoned", "放弃 abandoned"))


@bp.get("/console/reports")
def page():
    """Serve the reports page; other roles get a 403 page, nobody logged in the login form."""
    agent = ext().store.directory.get_agent(session.get("agent_id", ""))
    if agent is None or agent["disabled"]:
        return render_template("console.html", agent=None), 401
    if agent["role"] not in SUPERVISORS:
        return render_template("forbidden.html", agent=agent), 403
    centres = ext().store.directory.centres() if agent["role"] == "admin" else []
    listed = json.dumps([{"id": c["id"], "name": c["name"]} for c in centres], ensure_ascii=False)
    return render_template("console_reports.html", agent=agent, centres_json=listed)


def _scope(everything: bool = False) -> reports.Scope:
    """Return the scope a request asks for, within what the caller may see (everything: from/to
    bound a search, which otherwise looks through every day kept)."""
    z, args = ext(), request.args
    if everything:
        last = args.get("to") or reports.period("today", z.clock()).last.isoformat()
        period = reports.period("custom", z.clock(), args.get("from") or EARLIEST, last, None)
    else:
        period = reports.period(
            args.get("range", "today"), z.clock(), args.get("from", ""), args.get("to", "")
        )
    visible = reports.visible_centres(g.agent)
    wanted = args.get("centre", "")
    if wanted:
        if visible is not None and wanted not in visible:
            raise ZhengnaError("forbidden.own_centre")
        if z.store.directory.get_centre(wanted) is None:
            raise ZhengnaError("bad_field.centre")
        visible = (wanted,)
    agent = args.get("agent") or None
    return reports.Scope(period, visible, agent)


@bp.get("/console/api/reports")
@role(*SUPERVISORS)
def figures():
    """Return the figures, charts' data and per-agent figures of a range."""
    z = ext()
    return jsonify(reports.report(z.store, _scope(), z.clock()))


@bp.get("/console/api/reports/chart/<name>.svg")
@role(*SUPERVISORS)
def chart(name):
    """Draw one chart of a range as SVG (the page shows the same numbers as a table too)."""
    if name not in CHARTS:
        raise ZhengnaError("not_found.chart")
    z, scope = ext(), _scope()
    title, now = CHARTS[name][0], z.clock()
    reports.ready(z.store, scope, now)
    with z.store.engine.connect() as conn:
        if name in ("hours", "days"):
            rows = (reports.by_hour if name == "hours" else reports.by_day)(conn, scope, now)
            key = "hour" if name == "hours" else "day"
            labels = [str(row[key]) if key == "hour" else row[key][5:] for row in rows]
            series = [(label, [row[k] for row in rows]) for k, label in SERIES]
        else:
            summary = reports.summary(conn, scope, now)
            if name == "waits":
                names = [rollups.bucket_name(b) for b in rollups.WAIT_BUCKETS]
                labels = [_bucket_label(b) for b in reports.WAIT_BUCKETS]
                series = [("接入 served", [summary[n] for n in names])]
            else:
                labels = [exports.SCORES[n] for n in range(5, 0, -1)]
                series = [("评价 ratings", [summary[f"rating_{n}"] for n in range(5, 0, -1)])]
    svg = charts.bars(title, labels, series)
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


def _bucket_label(bucket) -> str:
    low, high = bucket
    return f"{low}–{high}s" if high is not None else f"≥{low}s"


@bp.get("/console/api/reports/export/<kind>.<fmt>")
@role(*SUPERVISORS)
def export(kind, fmt):
    """Download conversations, per-agent figures or the bot's unanswered questions; audited."""
    if kind not in exports.KINDS or fmt not in exports.FORMATS:
        raise ZhengnaError("not_found.export")
    z, scope = ext(), _scope()
    _audit(
        "export",
        {
            "kind": kind,
            "format": fmt,
            "from": scope.period.first.isoformat(),
            "to": scope.period.last.isoformat(),
            "centres": list(scope.centres) if scope.centres is not None else "all",
            "agent": scope.agent_id,
        },
    )
    header, rows = exports.header_and_rows(kind, z.store, scope, z.clock())
    name = f"{kind}-{scope.period.first.isoformat()}-{scope.period.last.isoformat()}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return Response(
            exports.csv_chunks(header, rows),
            mimetype="text/csv; charset=utf-8",
            headers=disposition,
        )
    return Response(
        exports.xlsx_bytes(kind, header, rows),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=disposition,
    )


@bp.get("/console/api/search")
@role(*SUPERVISORS)
def find():
    """Find conversations by TIN, enterprise, person, agent, date range and words; audited."""
    z, args = ext(), request.args
    conditions = {k: args.get(k, "").strip()[:200] for k in ("q", "tin", "enterprise", "person")}
    if not any(conditions.values()) and not args.get("agent"):
        raise ZhengnaError("bad_search")
    if TIN.fullmatch(conditions["q"]) and not conditions["tin"]:  # a TIN typed in the words box
        conditions["tin"], conditions["q"] = conditions["q"], ""
    scope = _scope(everything=True)
    items = search.find(
        z.store,
        scope,
        words=conditions["q"],
        tin=conditions["tin"],
        enterprise=conditions["enterprise"],
        person=conditions["person"],
    )
    _audit("search", {**{k: v for k, v in conditions.items() if v}, "found": len(items)})
    return jsonify(items=[{**item, "created_at": item["created_at"].isoformat()} for item in items])
