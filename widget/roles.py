"""Who may use the widget on a site: the token `role` values the site accepts (empty: anyone).

The guide's service is for an enterprise's invoicing and tax staff (法定代表人, 财务负责人,
办税员, 开票员...): a site's administrator names the roles its host tokens carry for them, and
anyone else is refused at `auth.hello`, at every `auth.resume` and on uploads (a change applies to
open sessions too)."""

from .errors import AuthError, ZhengnaError

MAX_ROLES = 20  # a province names a handful of staff roles; more is a pasted list gone wrong
MAX_ROLE_CHARS = 50  # the width of taxpayer_sessions.role


class RoleRefused(AuthError):
    """The token's role is not one the site accepts."""

    def __init__(self, role: str, allowed: list[str]):
        super().__init__(
            "role_not_allowed" if role else "role_not_allowed.none",
            {"role": role, "allowed": list(allowed)},
            allowed_zh="、".join(allowed),
            allowed_en=", ".join(allowed),
            role=role,
        )


def check(site: dict, role: str) -> None:
    """Raise RoleRefused unless the site accepts role (a site naming no roles accepts anyone)."""
    allowed = site.get("allowed_roles") or []
    if allowed and role not in allowed:
        raise RoleRefused(role, allowed)


def parse(value: object) -> list[str]:
    """Return the roles an administrator entered, trimmed, without repeats; raise ZhengnaError."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ZhengnaError("bad_field.roles")
    roles = list(dict.fromkeys(item.strip() for item in value if item.strip()))
    if len(roles) > MAX_ROLES:
        raise ZhengnaError("bad_field.roles_count", max=MAX_ROLES)
    too_long = [item for item in roles if len(item) > MAX_ROLE_CHARS]
    if too_long:
        raise ZhengnaError("bad_field.role_name", max=MAX_ROLE_CHARS, name=too_long[0][:20])
    return roles
