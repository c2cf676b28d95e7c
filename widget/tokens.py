"""Host tokens: HS256 JWTs a province's back end signs for the person on the page."""

import hashlib
import re
import time
from dataclasses import dataclass

import jwt

from .errors import AuthError

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_OLD_TIN = re.compile(r"^[0-9A-Z]{15,20}$")


@dataclass(frozen=True)
class Identity:
    """The verified person on the host page."""

    site_id: str
    sub: str
    name: str
    tin: str
    enterprise: str
    region: str
    role: str = ""


def uscc_check_char(first17):
    """Return the check character of an 18-character unified social credit code (GB 32100)."""
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def valid_tin(tin):
    """Return True for a valid 统一社会信用代码 or an older 15-20 character 纳税人识别号."""
    if not isinstance(tin, str):
        return False
    if len(tin) == 18 and all(ch in _USCC_CHARS for ch in tin):
        return uscc_check_char(tin[:17]) == tin[17]
    return bool(_OLD_TIN.match(tin)) and len(tin) != 18


def default_sub(tin, name):
    """Return the stable person id mint-token uses when none is given."""
    return hashlib.sha256(f"{tin}:{name}".encode()).hexdigest()[:24]


def mint(
    site_id, kid, secret, *, sub, name, tin, enterprise, region, lifetime, role=None, now=None
):
    """Return a signed host token (what a province's back end does)."""
    now = int(now if now is not None else time.time())
    claims = {
        "aud": site_id,
        "sub": sub,
        "name": name,
        "tin": tin,
        "ent": enterprise,
        "region": region,
        "iat": now,
        "exp": now + int(lifetime),
    }
    if role:
        claims["role"] = role
    return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid})


REQUIRED = ("aud", "sub", "exp", "iat", "name", "tin", "region")
LOGOUT_REQUIRED = ("aud", "sub", "exp", "iat", "tin")


def verify(token, site, keys, leeway, *, verify_exp=True):
    """Return the Identity in token for site (a row) given its keys; raise AuthError otherwise.
    verify_exp=False: a resume proves the page's person with a token that may have expired."""
    claims = _claims(token, site, keys, leeway, REQUIRED, verify_exp)
    return Identity(
        site["id"],
        str(claims["sub"]),
        str(claims["name"])[:100],
        claims["tin"],
        str(claims.get("ent", ""))[:200],
        str(claims["region"]),
        str(claims.get("role", "")),
    )


def verify_logout(token, site, keys, leeway):
    """Return (tin, sub) of a host's signed logout notice (claims aud, sub, tin, iat, exp)."""
    claims = _claims(token, site, keys, leeway, LOGOUT_REQUIRED, True)
    return claims["tin"], str(claims["sub"])


def _claims(token, site, keys, leeway, required, verify_exp):
    if not isinstance(token, str) or not token:
        raise AuthError("token_missing")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise _invalid() from None
    secret = _pick_key(header.get("kid"), keys)
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=site["id"],
            leeway=leeway,
            options={"require": list(required), "verify_exp": verify_exp},
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("token_expired") from None
    except jwt.InvalidAudienceError:
        raise AuthError("wrong_site") from None
    except (jwt.PyJWTError, TypeError, ValueError, OverflowError):
        raise _invalid() from None
    _check_types(claims)
    if claims["exp"] - claims["iat"] > site["token_lifetime"] + leeway:
        raise AuthError("token_lifetime")
    if not valid_tin(claims["tin"]):
        raise AuthError("bad_tin")
    return claims


_CLAIM_TYPES = {  # claim -> the JSON type(s) it may have
    "aud": str,
    "sub": str,
    "name": str,
    "tin": str,
    "ent": str,
    "region": str,
    "role": str,
    "exp": (int, float),  # NumericDate: seconds, possibly fractional
    "iat": (int, float),
    "nbf": (int, float),
}


def _check_types(claims):
    """Refuse a signed token whose claims have the wrong types (a string exp, a number as name)."""
    for claim, kind in _CLAIM_TYPES.items():
        value = claims.get(claim)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise AuthError("bad_claims", claim=claim)


def _pick_key(kid, keys):
    """Return the secret of the active key named kid; a token must name its key (no guessing)."""
    active = [key for key in keys if key["active"]]
    if not isinstance(kid, str):
        raise AuthError("token_kid")
    for key in active:
        if key["kid"] == kid:
            return key["secret"]
    raise _invalid()


def _invalid():
    return AuthError("token_invalid")
