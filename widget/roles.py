"""Who may use the widget on a site: the token `role` values the site accepts (empty: anyone).

The guide's service is for an enterprise's invoicing and tax staff (法定代表人, 财务负责人,
办税员, 开票员...): a site's administrator names the roles its host tokens carry for them, and
anyone else is refused at `auth.hello`, at every `auth.resume` and on uploads (a change applies to
open sessions too)."""

from .errors import AuthError, ZhengnaError

CLOSE_ROLE_REFUSED = 4010
MAX_ROLES = 20  # a province names a handful of staff roles; more is a pasted list gone wrong
MAX_ROLE_CHARS = 50  # the width of taxpayer_sessions.role


class RoleRefused(AuthError):
    """The token's role is not one the site accepts."""

    def __init__(self, role: str, allowed: list[str]):
        shown_zh = role or "未注明身份"
        shown_en = role or "none given"
        super().__init__(
            "role_not_allowed",
            f"征纳互动仅向企业的{'、'.join(allowed)}开放，您当前登录的身份（{shown_zh}）不在其中。",
            f"This service is open to an enterprise's {', '.join(allowed)}; "
            f"the role you are signed in with ({shown_en}) is not one of them.",
            CLOSE_ROLE_REFUSED,
        )
        self.detail = {"role": role, "allowed": list(allowed)}


def check(site: dict, role: str) -> None:
    """Raise RoleRefused unless the site accepts role (a site naming no roles accepts anyone)."""
    allowed = site.get("allowed_roles") or []
    if allowed and role not in allowed:
        raise RoleRefused(role, allowed)


def parse(value: object) -> list[str]:
    """Return the roles an administrator entered, trimmed, without repeats; raise ZhengnaError."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ZhengnaError(
            "bad_field",
            "可使用的身份应为文字列表。",
            "allowed_roles must be a list of role names.",
        )
    roles = list(dict.fromkeys(item.strip() for item in value if item.strip()))
    if len(roles) > MAX_ROLES:
        raise ZhengnaError(
            "bad_field",
            f"可使用的身份最多 {MAX_ROLES} 个。",
            f"At most {MAX_ROLES} roles may be named.",
        )
    too_long = [item for item in roles if len(item) > MAX_ROLE_CHARS]
    if too_long:
        raise ZhengnaError(
            "bad_field",
            f"身份名称不能超过 {MAX_ROLE_CHARS} 个字：{too_long[0][:20]}…",
            f"A role name may have at most {MAX_ROLE_CHARS} characters: {too_long[0][:20]}…",
        )
    return roles
