"""Host tokens: GB 32100 check characters, taxpayer ids, and every way verify() accepts or refuses a
token."""

import time

import jwt
import pytest

from widget.errors import AuthError
from widget.protocol import CloseCode
from widget.tokens import (
    Identity,
    default_sub,
    mint,
    uscc_check_char,
    valid_tin,
    verify,
)

SITE = {"id": "demo", "token_lifetime": 600}
LEEWAY = 30
K1 = {"kid": "k1", "secret": "s1-" + "a" * 40, "active": True}
K2 = {"kid": "k2", "secret": "s2-" + "b" * 40, "active": True}
OLD = {"kid": "k0", "secret": "s0-" + "c" * 40, "active": False}
TIN = "91440101MA5DEM001D"
PERSON = dict(
    sub="p-1", name="演示开票员", tin=TIN, enterprise="广州演示科技有限公司", region="4401"
)

# Codes as published by real enterprises (GB 32100-2015 format); each is checked independently
# below.
PUBLISHED = [
    "91440101MA5DEM001D",
    "914403001922038216",
    "91330100716105852F",
    "9144030071526726XG",
    "91110108551385082Q",
    "91440300708461136T",
]


def gb32100_check(first17):
    """Independent GB 32100-2015 check: weights 3^(i-1) mod 31 over the 31-symbol alphabet."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # digits and capitals without I, O, S, V, Z
    total = sum(alphabet.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    return alphabet[-total % 31]


def token(key=K1, lifetime=600, now=None, **overrides):
    site_id = overrides.pop("site_id", "demo")
    return mint(
        site_id, key["kid"], key["secret"], lifetime=lifetime, now=now, **{**PERSON, **overrides}
    )


def raw_token(claims, secret=K1["secret"], algorithm="HS256", headers=None):
    """Sign claims as a host would; headers=None names key k1, {} names no key."""
    headers = {"kid": K1["kid"]} if headers is None else headers
    return jwt.encode(claims, secret, algorithm=algorithm, headers=headers)


def hand_made(header, claims, secret=K1["secret"]):
    """Sign a token whose header PyJWT itself would refuse to write (a kid that is not text)."""
    import base64
    import hashlib
    import hmac
    import json

    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    signing = f"{part(header)}.{part(claims)}"
    mac = hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest()
    return signing + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def claims(**changes):
    now = int(time.time())
    base = {
        "aud": "demo",
        "sub": "p-1",
        "name": "n",
        "tin": TIN,
        "ent": "e",
        "region": "4401",
        "iat": now,
        "exp": now + 300,
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def refused(tok, code, close, keys=(K1,), site=SITE):
    with pytest.raises(AuthError) as excinfo:
        verify(tok, site, list(keys), LEEWAY)
    assert (excinfo.value.code, excinfo.value.close_code) == (code, close)
    assert excinfo.value.zh and excinfo.value.en
    return excinfo.value


# -- check characters and taxpayer ids -----------------------------------------------------------


@pytest.mark.parametrize("code", PUBLISHED)
def test_check_char_of_published_codes(code):
    assert uscc_check_char(code[:17]) == gb32100_check(code[:17]) == code[17]
    assert valid_tin(code)


@pytest.mark.parametrize(
    "first17, expected",
    [
        ("00000000000000000", "0"),  # total % 31 == 0 -> "0", not 31
        ("10000000000000000", "Y"),  # 31 - 1 = 30 -> the last symbol
        ("01000000000000000", "W"),
    ],
)  # 31 - 3 = 28
def test_check_char_edges(first17, expected):
    assert uscc_check_char(first17) == gb32100_check(first17) == expected


@pytest.mark.parametrize(
    "first17",
    [
        "9132050066383880X",
        "12100000400000717",
        "52110000MJ0000000",
        "93440300MA5FXY0WQ",
        "Y1JKLMNPQRTUWXY01",
    ],
)
def test_check_char_matches_the_standard(first17):
    check = gb32100_check(first17)
    assert uscc_check_char(first17) == check
    assert valid_tin(first17 + check)


@pytest.mark.parametrize("code", PUBLISHED)
def test_wrong_check_char_is_invalid(code):
    for other in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if other != code[17]:
            assert not valid_tin(code[:17] + other)


@pytest.mark.parametrize(
    "tin",
    [
        "440101123456789",
        "44010112345678X",
        "4401011234567890",
        "44010112345678901",
        "4401011234567890123",
        "44010119800101123400",
    ],
)
def test_older_ids_of_15_to_20_characters(tin):
    assert valid_tin(tin)


@pytest.mark.parametrize(
    "tin",
    [
        "91440101ma5dem001d",
        "91440101MA5DEM001d",
        "440101abc456789",  # lowercase
        "91440101MA5DEM0O1D",
        "91440101MA5DEM0I1D",
        "9144010IMA5DEM001D",  # I, O are not in the alphabet
        "44010112345678",
        "440101123456789012345",
        "",
        " 440101123456789",
        "440101-23456789",
        "91440101MA5DEM001E",
        "９１４４０１０１ＭＡ５ＤＥＭ００１Ｄ",
        None,
        914403001922038216,
    ],
)
def test_invalid_ids(tin):
    assert not valid_tin(tin)


def test_default_sub_is_stable_and_person_specific():
    assert default_sub(TIN, "甲") == default_sub(TIN, "甲") != default_sub(TIN, "乙")
    assert len(default_sub(TIN, "甲")) == 24


# -- mint and verify ---------------------------------------------------------------------------


def test_round_trip_gives_the_identity():
    identity = verify(token(role="agent"), SITE, [K1], LEEWAY)
    assert identity == Identity(
        "demo", "p-1", "演示开票员", TIN, "广州演示科技有限公司", "4401", "agent"
    )


def test_mint_stamps_kid_audience_and_lifetime():
    now = int(time.time())
    tok = token(key=K2, lifetime=120, now=now)
    assert jwt.get_unverified_header(tok)["kid"] == "k2"
    body = jwt.decode(tok, options={"verify_signature": False})
    assert (body["aud"], body["iat"], body["exp"], body["ent"]) == (
        "demo",
        now,
        now + 120,
        PERSON["enterprise"],
    )
    assert "role" not in body


def test_long_name_and_enterprise_are_cut():
    identity = verify(token(name="名" * 150, enterprise="企" * 300), SITE, [K1], LEEWAY)
    assert (len(identity.name), len(identity.enterprise), identity.role) == (100, 200, "")


@pytest.mark.parametrize("key", [K1, K2], ids=["k1", "k2"])
def test_either_of_two_active_keys_by_kid(key):
    assert verify(token(key=key), SITE, [K1, K2, OLD], LEEWAY).sub == "p-1"


def test_rotated_inactive_key_is_refused():
    refused(token(key=OLD), "token_invalid", CloseCode.TOKEN_INVALID, keys=[K1, K2, OLD])


def test_unknown_kid_is_refused():
    refused(token(key={**K1, "kid": "k9"}), "token_invalid", CloseCode.TOKEN_INVALID, keys=[K1])


@pytest.mark.parametrize("keys", [[K1], [K1, OLD], [K1, K2]])
def test_a_token_without_kid_is_refused_however_many_keys(keys):
    refused(raw_token(claims(), headers={}), "token_kid", CloseCode.TOKEN_INVALID, keys=keys)


@pytest.mark.parametrize("kid", [7, None, ["k1"]])
def test_a_kid_that_is_not_text_is_refused(kid):
    tok = hand_made({"alg": "HS256", "typ": "JWT", "kid": kid}, claims())
    error = pytest.raises(AuthError, verify, tok, SITE, [K1], LEEWAY).value
    assert (
        error.code in ("token_kid", "token_invalid") and error.close_code == CloseCode.TOKEN_INVALID
    )


@pytest.mark.parametrize(
    "claim,value",
    [
        ("exp", "9999999999"),
        ("iat", "1"),
        ("name", 5),
        ("tin", 91440101),
        ("region", ["4401"]),
        ("sub", {"id": 1}),
        ("ent", 3),
    ],
)
def test_claims_of_the_wrong_type_are_refused_not_crashed(claim, value):
    tok = raw_token(claims(**{claim: value}))
    with pytest.raises(AuthError) as error:
        verify(tok, SITE, [K1], LEEWAY)
    assert error.value.code in ("bad_claims", "token_invalid")
    assert error.value.close_code == CloseCode.TOKEN_INVALID


def test_kid_of_one_key_signed_with_another_is_refused():
    forged = raw_token(claims(), secret=K2["secret"], headers={"kid": "k1"})
    refused(forged, "token_invalid", CloseCode.TOKEN_INVALID, keys=[K1, K2])


def test_expired_beyond_leeway():
    long_ago = time.time() - 600 - LEEWAY - 60
    error = refused(token(now=long_ago), "token_expired", CloseCode.TOKEN_EXPIRED)
    assert error.close_code == 4003


def test_expired_within_leeway_is_accepted():
    assert verify(token(now=time.time() - 600 - LEEWAY // 2), SITE, [K1], LEEWAY).sub == "p-1"


def test_wrong_audience():
    error = refused(token(site_id="other"), "wrong_site", CloseCode.WRONG_SITE)
    assert error.close_code == 4004


def test_forged_signature():
    refused(
        token(key={**K1, "secret": "not-the-secret-" + "x" * 30}),
        "token_invalid",
        CloseCode.TOKEN_INVALID,
    )


def test_tampered_payload():
    good = token()
    header, _, signature = good.split(".")
    other = token(tin="914403001922038216").split(".")[1]
    refused(f"{header}.{other}.{signature}", "token_invalid", CloseCode.TOKEN_INVALID)


@pytest.mark.parametrize(
    "lifetime, ok", [(600, True), (600 + LEEWAY, True), (600 + LEEWAY + 1, False), (3600, False)]
)
def test_lifetime_is_bounded_by_site_policy(lifetime, ok):
    tok = token(lifetime=lifetime)
    if ok:
        assert verify(tok, SITE, [K1], LEEWAY).sub == "p-1"
    else:
        refused(tok, "token_lifetime", CloseCode.TOKEN_INVALID)


def test_site_policy_is_per_site():
    refused(
        token(lifetime=300),
        "token_lifetime",
        CloseCode.TOKEN_INVALID,
        site={"id": "demo", "token_lifetime": 60},
    )


@pytest.mark.parametrize("missing", ["aud", "sub", "exp", "iat", "name", "tin", "region"])
def test_missing_required_claim(missing):
    refused(raw_token(claims(**{missing: None})), "token_invalid", CloseCode.TOKEN_INVALID)


def test_enterprise_claim_is_optional():
    assert verify(raw_token(claims(ent=None)), SITE, [K1], LEEWAY).enterprise == ""


@pytest.mark.parametrize(
    "algorithm, secret", [("none", None), ("HS512", K1["secret"]), ("HS384", K1["secret"])]
)
def test_other_algorithms_are_refused(algorithm, secret):
    tok = raw_token(claims(), secret=secret, algorithm=algorithm, headers={"kid": "k1"})
    assert jwt.get_unverified_header(tok)["alg"] == algorithm
    refused(tok, "token_invalid", CloseCode.TOKEN_INVALID)


@pytest.mark.parametrize("tin", ["91440101MA5DEM001E", "123", "91440101ma5dem001d"])
def test_bad_tin(tin):
    refused(token(tin=tin), "bad_tin", CloseCode.TOKEN_INVALID)


@pytest.mark.parametrize("tok", ["", None, 42])
def test_missing_token(tok):
    refused(tok, "token_missing", CloseCode.TOKEN_MISSING)


@pytest.mark.parametrize("tok", ["garbage", "a.b.c", "e30.e30.", "eyJhbGciOiJIUzI1NiJ9..x"])
def test_garbled_token(tok):
    error = pytest.raises(AuthError, verify, tok, SITE, [K1], LEEWAY).value
    assert (
        error.code in ("token_invalid", "token_kid") and error.close_code == CloseCode.TOKEN_INVALID
    )
