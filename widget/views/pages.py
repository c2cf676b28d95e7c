"""Pages: the loader, the demo host page, the console shell, health and metrics."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
)

from .. import assets, demo, tokens
from ..errors import ZhengnaError
from ..netallow import AddressList
from . import ext

bp = Blueprint("pages", __name__)

# /demo query parameter -> data-* attribute on the script tag
THEME_PARAMS = {
    "primary": "primary-color",
    "position": "position",
    "offset_x": "offset-x",
    "offset_y": "offset-y",
    "z_index": "z-index",
}
# What a strict host page allows; the widget must work under it (see docs/TESTIDS.md).
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'"
)


@bp.get("/widget.js")
def loader():
    """Serve the loader script every host page includes."""
    response = assets.send(current_app.static_folder, "js/widget.js", max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/demo")
def demo_page():
    """Serve a mock e-tax bureau page embedding the widget for the identity in the query."""
    if not demo.serves(current_app.config, request.environ):
        abort(404)
    z = ext()
    region = request.args.get("region", demo.DEMO_REGION)
    tin = request.args.get("taxpayer", demo.DEMO_TAXPAYER).strip().upper()
    name = request.args.get("name", demo.DEMO_PERSON).strip()[:50] or demo.DEMO_PERSON
    locale = request.args.get("locale", "zh-CN")
    role = request.args.get("role", "").strip()  # the person's role in the enterprise, e.g. 开票员
    problems = []
    if z.store.directory.get_region(region) is None:
        problems.append(f"region {region} is not configured")
    if not tokens.valid_tin(tin):
        problems.append(f"taxpayer id {tin} is not a valid 统一社会信用代码 / 纳税人识别号")
    if locale not in ("zh-CN", "en"):
        problems.append("locale must be zh-CN or en")
    if len(role) > 50:
        problems.append("role must be at most 50 characters")
    if problems:
        return render_template("demo.html", problems=problems), 400
    site = z.store.directory.get_site(demo.SITE)
    key = next(k for k in z.store.directory.site_keys(demo.SITE) if k["active"])
    token = tokens.mint(
        demo.SITE,
        key["kid"],
        key["secret"],
        sub=tokens.default_sub(tin, name),
        name=name,
        tin=tin,
        enterprise=request.args.get("enterprise", demo.DEMO_ENTERPRISE)[:100],
        region=region,
        lifetime=site["token_lifetime"],
        role=role or None,
    )
    theme = {
        attribute: request.args[param][:32]
        for param, attribute in THEME_PARAMS.items()
        if param in request.args
    }
    page = render_template(
        "demo.html",
        token=token,
        site=demo.SITE,
        locale=locale,
        region=region,
        name=name,
        tin=tin,
        problems=None,
        theme=theme,
        hostile=request.args.get("hostile") == "1",
    )
    response = Response(page, mimetype="text/html")
    if request.args.get("csp") == "strict":
        response.headers["Content-Security-Policy"] = STRICT_CSP
    return response


@bp.get("/healthz")
def healthz():
    """Report store and bus status; 200 once ready."""
    z = ext()
    checks = {}
    try:
        checks["store"] = "ok" if z.store.ping() else "down"
    except Exception as exc:  # report, do not crash the probe
        checks["store"] = f"down: {type(exc).__name__}"
    checks["bus"] = f"{z.bus.name} ok" if z.bus.healthy() else f"{z.bus.name} down"
    healthy = checks["store"] == "ok" and checks["bus"].endswith("ok") and not z.shutting_down
    body = {
        "status": "ok" if healthy else "unavailable",
        **checks,
        "connections": len(z.connections),
    }
    return jsonify(body), 200 if healthy else 503


@bp.get("/metrics")
def metrics():
    """Expose Prometheus metrics for operators: only to addresses in METRICS_ALLOW."""
    if not AddressList(current_app.config["METRICS_ALLOW"]).allows(request.remote_addr or ""):
        raise ZhengnaError("forbidden.metrics")
    z = ext()
    for centre, waiting in z.store.conversations.queue_lengths().items():
        z.metrics.queue.labels(centre).set(waiting)
    return Response(z.metrics.render(), mimetype="text/plain; version=0.0.4")
