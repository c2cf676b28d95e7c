"""Demo data: site `demo`, regions 4401/4402/4409, centres `demo` and `closed`, demo accounts."""

import secrets
from datetime import UTC, datetime

from . import accounts
from .routing import ALL_DAY, NEVER

SITE = "demo"
DEMO_TAXPAYER = "91440101MA5DEM001D"  # a valid 统一社会信用代码 (check character D)
DEMO_PERSON = "演示开票员"
DEMO_ENTERPRISE = "广州演示科技有限公司"
DEMO_REGION = "4401"
ACCOUNTS = (  # username, password, display name, role
    ("agent1", "agent1-demo", "税务工作人员一", "agent"),
    ("agent2", "agent2-demo", "税务工作人员二", "agent"),
    ("super1", "super1-demo", "值班主管", "supervisor"),
    ("admin1", "admin1-demo", "站点管理员", "admin"),
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


def seed(store):
    """Create whatever demo data is missing; never change what is there."""
    now = datetime.now(UTC)
    store.put_site(
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
    store.put_centre({"id": "demo", "name": "演示运营中心", "schedule": ALL_DAY, "created_at": now})
    store.put_centre(
        {"id": "closed", "name": "休息中的运营中心", "schedule": NEVER, "created_at": now}
    )
    for code, name, centre, smart in (
        ("4401", "广州市税务局（演示）", "demo", True),
        ("4402", "韶关市税务局（演示）", "demo", False),
        ("4409", "茂名市税务局（演示）", "closed", True),
    ):
        store.put_region(
            {
                "code": code,
                "site_id": SITE,
                "name": name,
                "centre_id": centre,
                "smart_service": smart,
            }
        )
    for position, (template_id, title, items) in enumerate(FORM_TEMPLATES):
        if store.get_form_template(template_id) is None:
            store.put_form_template(
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
    for username, password, display, role in ACCOUNTS:
        if store.agent_by_username(username) is None:
            try:
                accounts.create_agent(
                    store, username, password, "demo", role=role, display_name=display
                )
            except ValueError:
                pass  # another server process seeding the same database got there first


def describe():
    """Return the lines server.py prints at start so a newcomer can log in."""
    lines = ["Demo accounts for /console (centre demo):"]
    lines += [f"  {role:<10} {username} / {password}" for username, password, _, role in ACCOUNTS]
    lines.append(f"Demo page: /demo (region {DEMO_REGION}; try ?region=4402 or ?region=4409)")
    return lines
