"""A form's own statuses (业务办理服务确认单) and the decisions of follow-ups and appeals: every
table entry and every gap in the tables, refused with the form's status in the error."""

import itertools

import pytest

from widget.errors import IllegalTransition
from widget.states import (
    FORM_TRANSITIONS,
    REVIEW_TRANSITIONS,
    FormStatus,
    next_form_status,
    next_review_status,
)

ROLES = ("taxpayer", "agent", "system", "supervisor")
EVENTS = ("send", "attach", "submit", "return", "complete")


def test_the_form_lifecycle_with_one_return():
    path = [
        (None, "send", "agent"),
        ("sent", "attach", "taxpayer"),
        ("sent", "submit", "taxpayer"),
        ("submitted", "return", "agent"),
        ("returned", "attach", "taxpayer"),
        ("returned", "submit", "taxpayer"),
        ("submitted", "complete", "agent"),
    ]
    reached = [next_form_status(status, event, role).value for status, event, role in path]
    assert reached == ["sent", "sent", "submitted", "returned", "returned", "submitted", "done"]


@pytest.mark.parametrize(
    "status, event, role",
    [
        (None if s is None else s.value, e, r)
        for s, e, r in itertools.product([None, *FormStatus], EVENTS, ROLES)
        if (s, e) not in FORM_TRANSITIONS or r not in FORM_TRANSITIONS[(s, e)][1]
    ],
)
def test_every_gap_is_refused_naming_the_status(status, event, role):
    with pytest.raises(IllegalTransition) as refused:
        next_form_status(status, event, role)
    assert refused.value.code == "illegal_transition"
    assert refused.value.detail == {"state": status or "none", "event": f"form.{event}"}


def test_done_is_final_and_only_the_agent_decides():
    assert not [key for key in FORM_TRANSITIONS if key[0] is FormStatus.DONE]
    for (_, event), (_, roles) in FORM_TRANSITIONS.items():
        assert roles == ({"agent"} if event in ("send", "return", "complete") else {"taxpayer"})


@pytest.mark.parametrize(
    "kind, event, target",
    [("followup", "close", "closed"), ("appeal", "keep", "kept"), ("appeal", "remove", "removed")],
)
def test_a_supervisor_decides_once(kind, event, target):
    assert next_review_status(kind, "open", event, "supervisor") == target
    with pytest.raises(IllegalTransition):
        next_review_status(kind, target, event, "supervisor")
    with pytest.raises(IllegalTransition):
        next_review_status(kind, "open", event, "agent")
    assert len(REVIEW_TRANSITIONS) == 3
