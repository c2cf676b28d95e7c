"""Zhengna: the 征纳互动 taxpayer-service window. create_app() builds the Flask app."""

import hashlib
import logging
from collections import Counter
from datetime import UTC, datetime
from types import SimpleNamespace
from urllib.parse import urlsplit

from flask import Flask, jsonify, request
from flask.json.provider import DefaultJSONProvider
from flask_compress import Compress
from flask_sock import Sock
from flask_wtf.csrf import CSRFError, CSRFProtect

from . import assets
from . import config as config_mod
from .bus import create_bus
from .calls import Calls
from .desk import Desk
from .errors import ZhengnaError
from .forms import Forms
from .interactions import Service
from .knowledge import Knowledge
from .metrics import Metrics
from .presence import Presence, RedisPresence
from .proxies import TrustedProxies
from .reviews import Reviews
from .routing import Router
from .smart import SmartService
from .store import Store
from .timeouts import Sweeper
from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
sock = Sock()
csrf = CSRFProtect()
compress = Compress()


def utc_now():
    """Return the current time, timezone-aware UTC (the production clock)."""
    return datetime.now(UTC)


def _media_workers(settings, store, clock):
    """Return the pool of media workers (server.py adds its children to it), None when video is
    off."""
    if settings["RTC"] == "off":
        return None
    from .media import Workers

    fixed = (
        [url.strip() for url in settings["RTC_URL"].split(",") if url.strip()]
        if settings["RTC"] == "external"
        else []
    )
    return Workers(store, settings["RTC_SECRET"], clock, settings["RTC_WORKER_TTL"], fixed)


def open_store(settings):
    """Return the migrated Store of settings, sealing site secrets with the SITE_KEYS_KEY."""
    from .sitekeys import SiteKeyBox

    box = SiteKeyBox(config_mod.site_keys_key(settings))
    store = Store(
        config_mod.database_url(settings),
        settings["SQLITE_SYNCHRONOUS"],
        key_box=box,
        exit_after_commits=settings["TEST_EXIT_AFTER_COMMITS"],
    )
    store.migrate()
    return store


def _deployment(settings):
    """Name one deployment (after its database) in shared Redis keys, so deployments never mix."""
    return hashlib.sha256(config_mod.database_url(settings).encode()).hexdigest()[:16]


class JSONProvider(DefaultJSONProvider):
    """JSON for the API: timestamps in ISO 8601 like the WebSocket frames, Chinese kept readable."""

    ensure_ascii = False

    @staticmethod
    def default(value):
        if isinstance(value, datetime):
            return value.isoformat()
        return DefaultJSONProvider.default(value)


class _Flask(Flask):
    def send_static_file(self, filename):
        """Serve a file of static/ (the view of Flask's own /static route) as assets.py serves
        it."""
        return assets.send(self.static_folder, filename)


def create_app(overrides=None, clock=utc_now, bus=None):
    """Build the app: defaults -> ZHENGNA_* environment -> overrides; registers blueprints."""
    settings = config_mod.load(overrides)
    app = _Flask(__name__, static_folder="../static", template_folder="../templates")
    app.json = JSONProvider(app)
    app.config.update(settings)
    app.config.update(
        SOCK_SERVER_OPTIONS={
            "max_message_size": 1 << 20,  # hard cap; MAX_FRAME_BYTES answers politely
        },
        RATELIMIT_STORAGE_URI=settings["REDIS_URL"] or "memory://",
        RATELIMIT_KEY_PREFIX=_deployment(
            settings
        ),  # deployments sharing a Redis never share counts
        COMPRESS_MIMETYPES=[
            "text/javascript",
            "application/javascript",
            "text/css",
            "text/html",
            "application/json",
        ],
        COMPRESS_ALGORITHM=["gzip"],  # every browser takes it; brotli would need another build
        SECRET_KEY=config_mod.secret_key(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=settings["PUBLIC_URL"].startswith("https://"),
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,  # the largest upload (10 MB) plus form overhead
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=False,
    )
    app.wsgi_app = TrustedProxies(app.wsgi_app, settings["TRUSTED_PROXIES"])

    store = open_store(settings)
    if store.directory.seal_site_keys():
        log.info("site signing keys encrypted at rest (SITE_KEYS_KEY)")
    bus = bus or create_bus(settings["REDIS_URL"])
    presence = (
        RedisPresence(bus.client, key=f"zhengna:presence:{_deployment(settings)}")
        if bus.name == "redis"
        else Presence()
    )
    router = Router(store, clock, settings["ESTIMATE_HANDLE_TIME"])
    uow = UnitOfWork(store, bus, clock)  # every conversation change, whoever makes it
    service = Service(uow, router, presence, settings, knowledge=Knowledge(store, clock))
    calls = Calls(uow, settings["DATA_DIR"], _media_workers(settings, store, clock))
    reviews = service.reviews = Reviews(service)
    app.extensions["zhengna"] = SimpleNamespace(
        calls=calls,
        smart=SmartService(service),
        desk=Desk(service),
        forms=Forms(service),
        reviews=reviews,
        store=store,
        bus=bus,
        presence=presence,
        router=router,
        service=service,
        clock=clock,
        metrics=Metrics(),
        connections=set(),
        shutting_down=False,
        sweeper=Sweeper(service, settings, clock, calls=calls),
        demo_passwords={},
        sockets_by_address=Counter(),  # open taxpayer sockets (WS_MAX_PER_ADDRESS)
        sockets_by_credential=Counter(),  # ... per session credential (WS_MAX_PER_CREDENTIAL)
    )
    z = app.extensions["zhengna"]
    bus.on_resume(lambda: [conn.catch_up() for conn in list(z.connections)])

    if settings["DEMO"]:
        from . import demo

        app.extensions["zhengna"].demo_passwords = demo.seed(store, settings["DATA_DIR"])

    from . import views
    from .views import console, console_api, files, pages, reports, rtc, sites, ws

    for blueprint in (
        pages.bp,
        console.bp,
        console_api.bp,
        reports.bp,
        sites.bp,
        files.bp,
        rtc.bp,
        ws.bp,
    ):
        app.register_blueprint(blueprint)
    sock.init_app(app)
    csrf.init_app(app)
    compress.init_app(app)
    views.limiter.init_app(app)
    _register_errors(app)
    return app


# The console's pages run only their own files: no inline script or style, nothing from elsewhere.
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def host_allowed(config, host):
    """Return True if the Host header names this server: ALLOWED_HOSTS (exact or `*.suffix`); when
    empty, any host, except in demo mode (loopback names only)."""
    from .demo import loopback_host

    allowed = config["ALLOWED_HOSTS"]
    if not allowed:
        return not config["DEMO"] or loopback_host(host)
    name = (urlsplit("//" + (host or "")).hostname or "").lower()
    return any(
        name.endswith(pattern[1:].lower()) if pattern.startswith("*.") else name == pattern.lower()
        for pattern in allowed
    )


def _register_errors(app):
    @app.errorhandler(ZhengnaError)
    def _zhengna_error(error):
        return jsonify(error=error.to_dict()), error.status

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return _zhengna_error(ZhengnaError("csrf"))

    @app.errorhandler(413)
    def _too_large(error):
        return _zhengna_error(ZhengnaError("too_large"))

    @app.errorhandler(429)
    def _rate_limited(error):
        return _zhengna_error(ZhengnaError("rate_limited"))

    @app.before_request
    def _allowed_host():
        """Refuse a Host this server does not serve (DNS rebinding against a local instance)."""
        if not host_allowed(app.config, request.host):
            return _zhengna_error(ZhengnaError("bad_host"))
        return None

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if request.path.startswith(("/static/js/zn/", "/static/js/shared/")):
            # host pages on other origins import these modules, which browsers fetch in CORS mode
            response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["SESSION_COOKIE_SECURE"]:  # served over https (PUBLIC_URL)
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith("/console"):
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Content-Security-Policy", CONSOLE_CSP)
            response.headers["Referrer-Policy"] = "no-referrer"
        return response
