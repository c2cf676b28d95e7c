"""Demo data: site `demo`, regions 4401/4402/4409, centres `demo` and `closed`, demo accounts.

The demo serves only a local client: a request on loopback, with a loopback Host and no forwarding
header (behind nginx on the same host a request from the internet arrives on loopback too). Its
passwords are random per data dir, kept there (0600) and printed at start; without demo mode the
demo site and accounts refuse everyone."""

import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from . import accounts
from .errors import ZhengnaError
from .routing import ALL_DAY, NEVER

SITE = "demo"
CENTRE = "demo"
DEMO_TAXPAYER = "91440101MA5DEM001D"  # a valid 统一社会信用代码 (check character D)
DEMO_PERSON = "演示开票员"
DEMO_ENTERPRISE = "广州演示科技有限公司"
DEMO_REGION = "4401"
PASSWORDS_FILE = "demo-passwords.json"
ACCOUNTS = (  # username, display name, role
    ("agent1", "税务工作人员一", "agent"),
    ("agent2", "税务工作人员二", "agent"),
    ("super1", "值班主管", "supervisor"),
    ("admin1", "站点管理员", "admin"),
)
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
# Headers a proxy adds: a request carrying one came from elsewhere, whatever its socket says.
FORWARDING = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_FORWARDED",
    "HTTP_X_REAL_IP",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO",
)

# 业务办理服务确认单 templates of centre demo: id, the business, the materials it needs
FORM_TEMPLATES = (
    (
        "demo-quota",
        "发票额度调整",
        ("发票额度调整申请表", "近三个月经营情况说明", "经办人身份证件"),
    ),
    (
        "demo-red",
        "红字发票开具",
        ("红字发票信息确认单", "原蓝字发票", "购买方确认说明"),
    ),
    (
        "demo-staff",
        "办税人员变更",
        ("办税人员变更表", "新办税人员身份证件", "法定代表人授权委托书"),
    ),
)


def loopback_host(host: str) -> bool:
    """Return True for a Host header (with or without port) naming this machine's loopback."""
    name = urlsplit("//" + (host or "")).hostname or ""
    return name in LOOPBACK_NAMES or name.startswith("127.")


def local_client(environ: dict) -> bool:
    """Return True if the request comes from this machine directly (loopback, no proxy)."""
    remote = environ.get("REMOTE_ADDR", "")
    return (
        (remote.startswith("127.") or remote in ("::1", "::ffff:127.0.0.1"))
        and loopback_host(environ.get("HTTP_HOST", ""))
        and not any(environ.get(header) for header in FORWARDING)
    )


def serves(config: dict, environ: dict) -> bool:
    """Return True if demo data may answer this request: demo mode on and a local client."""
    return bool(config["DEMO"]) and local_client(environ)


def is_demo_account(agent: dict) -> bool:
    """Return True for one of the seeded demo accounts."""
    return agent["centre_id"] == CENTRE and agent["username"] in {a[0] for a in ACCOUNTS}


def refuse_unless_served(config: dict, environ: dict) -> None:
    """Raise demo_local_only unless demo data may answer this request."""
    if not serves(config, environ):
        raise ZhengnaError("demo_local_only")


def passwords(data_dir: str) -> tuple[dict, bool]:
    """Return ({username: password}, created): kept in DATA_DIR/demo-passwords.json."""
    path = Path(data_dir) / PASSWORDS_FILE
    if path.exists():
        kept = json.loads(path.read_text())
        if all(isinstance(kept.get(a[0]), str) and len(kept[a[0]]) >= 8 for a in ACCOUNTS):
            return kept, False
    made = {username: secrets.token_urlsafe(12) for username, _, _ in ACCOUNTS}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(made, handle)
    os.chmod(path, 0o600)
    return made, True


def seed(store, data_dir: str) -> dict:
    """Create whatever demo data is missing; new passwords replace old ones; return them."""
    now = datetime.now(UTC)
    store.directory.put_site(
        {
            "id": SITE,
            "name": "演示电子税务局",
            "token_lifetime": 600,
            "created_at": now,
            "allowed_origins": ["http://127.0.0.1:*", "http://localhost:*"],
        },
        keys=[
            {
                "kid": "demo-1",
                "secret": secrets.token_urlsafe(32),
                "active": True,
                "created_at": now,
            }
        ],
    )
    store.directory.put_centre(
        {"id": CENTRE, "name": "演示运营中心", "schedule": ALL_DAY, "created_at": now}
    )
    store.directory.put_centre(
        {"id": "closed", "name": "休息中的运营中心", "schedule": NEVER, "created_at": now}
    )
    for code, name, centre, smart in (
        ("4401", "广州市税务局（演示）", CENTRE, True),
        ("4402", "韶关市税务局（演示）", CENTRE, False),
        ("4409", "茂名市税务局（演示）", "closed", True),
    ):
        store.directory.put_region(
            {
                "code": code,
                "site_id": SITE,
                "name": name,
                "centre_id": centre,
                "smart_service": smart,
            }
        )
    for position, (template_id, title, items) in enumerate(FORM_TEMPLATES):
        if store.knowledge.get_form_template(template_id) is None:
            store.knowledge.put_form_template(
                {
                    "id": template_id,
                    "centre_id": "demo",
                    "title": title,
                    "items": list(items),
                    "position": position,
                    "updated_at": now,
                    "updated_by": "demo",
                }
            )
    kept, created = passwords(data_dir)
    for username, display, role in ACCOUNTS:
        existing = store.directory.agent_by_username(username)
        if existing is None:
            try:
                accounts.create_agent(
                    store, username, kept[username], CENTRE, role=role, display_name=display
                )
            except ValueError:
                pass  # another server process seeding the same database got there first
        elif created and is_demo_account(existing):  # an older data dir had fixed passwords
            accounts.set_password(store, existing["id"], kept[username])
    return kept


def describe(kept: dict) -> list[str]:
    """Return the lines server.py prints at start so a newcomer can log in."""
    lines = ["Demo accounts for /console (centre demo, this machine only):"]
    lines += [f"  {role:<10} {username} / {kept[username]}" for username, _, role in ACCOUNTS]
    lines.append(f"Demo page: /demo (region {DEMO_REGION}; try ?region=4402 or ?region=4409)")
    return lines
