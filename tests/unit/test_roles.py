"""Which token roles a site accepts: parsing an administrator's list, and the refusal in words."""

import pytest

from widget import roles
from widget.errors import ZhengnaError
from widget.protocol import CloseCode


@pytest.mark.parametrize(
    "entered, kept",
    [
        ([], []),
        (["开票员"], ["开票员"]),
        ([" 开票员 ", "办税员", "开票员", "  ", ""], ["开票员", "办税员"]),
        (
            ["法定代表人", "财务负责人", "办税员", "开票员"],
            ["法定代表人", "财务负责人", "办税员", "开票员"],
        ),
    ],
)
def test_parse_keeps_the_names_trimmed_and_once(entered, kept):
    assert roles.parse(entered) == kept


@pytest.mark.parametrize(
    "entered",
    ["开票员", None, {"a": 1}, [1], ["开票员", None], ["x" * 51], [f"角色{i}" for i in range(21)]],
)
def test_parse_refuses_anything_else_in_both_languages(entered):
    with pytest.raises(ZhengnaError) as caught:
        roles.parse(entered)
    assert caught.value.code == "bad_field" and caught.value.zh and caught.value.en


@pytest.mark.parametrize("role", ["", "开票员", "anything"])
def test_a_site_that_names_no_roles_accepts_anyone(role):
    roles.check({"allowed_roles": []}, role)
    roles.check({}, role)


def test_a_named_role_passes_and_another_is_refused_with_why():
    site = {"allowed_roles": ["开票员", "办税员"]}
    roles.check(site, "办税员")
    with pytest.raises(roles.RoleRefused) as caught:
        roles.check(site, "法定代表人")
    error = caught.value
    assert error.code == "role_not_allowed" and error.close_code == CloseCode.ROLE_REFUSED
    assert "开票员、办税员" in error.zh and "法定代表人" in error.zh
    assert "开票员, 办税员" in error.en and "法定代表人" in error.en
    assert error.to_dict()["detail"] == {"role": "法定代表人", "allowed": ["开票员", "办税员"]}
    with pytest.raises(roles.RoleRefused) as caught:
        roles.check(site, "")
    assert "未注明身份" in caught.value.zh and "none given" in caught.value.en
