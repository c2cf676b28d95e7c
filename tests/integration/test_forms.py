"""业务办理服务确认单 over real WebSockets: each step an event of both sides; refusals."""

import io
from datetime import UTC, datetime

import pytest
import requests
from PIL import Image

from tests.support import agent, console, served, settings_env, taxpayer

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _png():
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def conversation(server, person):
    """A connected conversation: (taxpayer client, its credential, agent client, interaction id)."""
    tp, ag, iid, hello = served(server, person())
    yield tp, hello["credential"], ag, iid
    ag.request({"type": "interaction.end", "interaction_id": iid})
    tp.close()
    ag.close()


def _upload(server, credential, iid, data=None, name="材料.png"):
    response = requests.post(
        server.url + "/api/attachments",
        data={"interaction_id": iid},
        files={"file": (name, data or _png())},
        headers={"Authorization": f"Bearer {credential}"},
    )
    assert response.status_code == 201, response.text
    return response.json()["attachment"]


def _send(ag, iid, items=("申请表", "身份证件"), **extra):
    frame = {"type": "form.send", "interaction_id": iid, "title": "发票额度调整"}
    return ag.reply(ag.request({**frame, "items": list(items), **extra}))


def _attach(tp, iid, form, item, attachment):
    frame = {"type": "form.attach", "interaction_id": iid, "form_id": form["id"]}
    return tp.reply(tp.request({**frame, "item_id": item, "attachment_id": attachment["id"]}))


def _step(client, kind, iid, form, **fields):
    frame = {"type": kind, "interaction_id": iid, "form_id": form["id"], **fields}
    return client.reply(client.request(frame))


def test_a_form_sent_filled_returned_resubmitted_and_done(server, conversation):
    tp, credential, ag, iid = conversation
    sent = _send(ag, iid, template_id="demo-quota")
    assert sent["type"] == "reply" and sent["form"]["status"] == "sent", sent
    form = sent["form"]
    assert [i["name"] for i in form["items"]] == ["申请表", "身份证件"]
    seen = tp.expect("form.state", interaction_id=iid)
    assert seen["event"] == "send" and seen["form"]["id"] == form["id"]
    assert seen["actor"]["role"] == "agent"

    first = form["items"][0]["id"]
    got = _attach(tp, iid, form, first, _upload(server, credential, iid))
    assert got["form"]["items"][0]["files"][0]["content_type"] == "image/png"
    incomplete = _step(tp, "form.submit", iid, form)
    assert incomplete["code"] == "form_incomplete" and incomplete["detail"]["missing"] == [
        "身份证件"
    ]

    second = form["items"][1]["id"]
    _attach(tp, iid, form, second, _upload(server, credential, iid, PDF, "身份证.pdf"))
    assert _step(tp, "form.submit", iid, form)["form"]["status"] == "submitted"
    returned = _step(ag, "form.return", iid, form, reason="申请表缺少公章，请重新上传")
    assert returned["form"]["status"] == "returned"
    assert returned["form"]["reason"] == "申请表缺少公章，请重新上传"
    _attach(tp, iid, form, first, _upload(server, credential, iid, name="盖章版.png"))
    assert _step(tp, "form.submit", iid, form)["form"]["status"] == "submitted"
    done = _step(ag, "form.done", iid, form, result="额度已调整为每月 100 万元")
    assert done["form"]["status"] == "done" and len(done["form"]["items"][0]["files"]) == 2
    in_form = {f["id"] for item in done["form"]["items"] for f in item["files"]}
    store = server.store()
    try:  # a file a form holds is no orphan: the sweeper must never remove it
        orphans = {row["id"] for row in store.media.orphan_attachments(datetime.now(UTC))}
    finally:
        store.dispose()
    assert in_form and not in_form & orphans

    statuses = [
        f["form"]["status"] for f in (tp.expect("form.state", interaction_id=iid) for _ in range(7))
    ]
    assert statuses == [
        "sent",
        "sent",
        "submitted",
        "returned",
        "returned",
        "submitted",
        "done",
    ]  # attach, attach, submit, return, attach, submit, done
    mine = tp.reply(tp.request({"type": "forms.list"}))
    assert mine["type"] == "forms" and mine["items"][0]["id"] == form["id"]
    assert mine["items"][0]["status"] == "done"

    tp.send({"type": "sync", "interaction_id": iid, "last_seq": 0})  # a reload replays every step
    events = [tp.expect("form.state", interaction_id=iid) for _ in range(8)]
    assert [e["event"] for e in events] == [
        "send",
        "attach",
        "attach",
        "submit",
        "return",
        "attach",
        "submit",
        "complete",
    ]
    supervisor = console(server, "super1", "super1-demo")
    audit = supervisor.get(f"{server.url}/console/api/interactions/{iid}/transcript").json()[
        "audit"
    ]
    actions = [row["action"] for row in audit if row["action"].startswith("form_")]
    assert actions == [
        "form_send",
        "form_attach",
        "form_attach",
        "form_submit",
        "form_return",
        "form_attach",
        "form_submit",
        "form_complete",
    ]


def test_refusals_change_nothing(server, conversation, person):
    tp, credential, ag, iid = conversation
    form = _send(ag, iid)["form"]
    tp.expect("form.state", interaction_id=iid)

    assert _send(ag, iid, items=[])["code"] == "bad_field"
    assert _send(ag, iid, items=["同一份", "同一份"])["code"] == "bad_field"
    assert _send(ag, iid, template_id="nosuchtemplate")["code"] == "not_found"
    refused = tp.reply(
        tp.request({"type": "form.send", "interaction_id": iid, "title": "x", "items": ["y"]})
    )
    assert refused["code"] == "unknown_type"
    early = _step(ag, "form.done", iid, form, result="办好了")
    assert early["code"] == "illegal_transition" and early["detail"]["state"] == "sent"
    assert _step(ag, "form.submit", iid, form)["code"] == "unknown_type"

    other, _ = agent(server, "agent2", "agent2-demo")
    assert _step(other, "form.return", iid, form, reason="不是我的")["code"] == (
        "not_your_interaction"
    )
    stranger, hello = taxpayer(server, person(), region="4402")
    assert _step(stranger, "form.submit", iid, form)["code"] == "not_found"
    assert stranger.reply(stranger.request({"type": "forms.list"}))["items"] == []
    theirs = stranger.reply(stranger.request({"type": "human.request"}))["interaction_id"]
    foreign = _upload(server, hello["credential"], theirs)
    got = _attach(tp, iid, form, form["items"][0]["id"], foreign)
    assert got["code"] == "not_found"
    assert _attach(tp, iid, form, "nosuchitem", _upload(server, credential, iid))["code"] == (
        "not_found"
    )
    stranger.reply(stranger.request({"type": "interaction.close", "interaction_id": theirs}))

    assert tp.drain() and not [f for f in tp.seen if f.get("type") == "form.state"]
    assert _step(tp, "form.submit", iid, form)["code"] == "form_incomplete"


def test_a_resent_request_stores_nothing_new(server, conversation):
    tp, credential, ag, iid = conversation
    frame = {
        "type": "form.send",
        "interaction_id": iid,
        "title": "办税人员变更",
        "items": ["变更表"],
        "cid": "form-once",
    }
    first = ag.reply(ag.request(frame))
    second = ag.reply(ag.request(frame))
    assert first["form"]["id"] == second["form"]["id"]
    form = first["form"]
    upload = _upload(server, credential, iid)
    _attach(tp, iid, form, form["items"][0]["id"], upload)
    twice = _attach(tp, iid, form, form["items"][0]["id"], upload)
    assert len(twice["form"]["items"][0]["files"]) == 1
    assert _step(tp, "form.submit", iid, form)["form"]["status"] == "submitted"
    assert _step(tp, "form.submit", iid, form)["form"]["status"] == "submitted"
    tp.drain()
    assert [f["event"] for f in tp.seen if f.get("type") == "form.state"] == [
        "send",
        "attach",
        "submit",
    ]


def test_forms_only_while_connected(server, conversation):
    tp, credential, ag, iid = conversation
    form = _send(ag, iid, items=["申请表"])["form"]
    _attach(tp, iid, form, form["items"][0]["id"], _upload(server, credential, iid))
    ag.reply(ag.request({"type": "interaction.end", "interaction_id": iid}))
    tp.expect("interaction.state", interaction_id=iid, state="ended")
    closed = _step(tp, "form.submit", iid, form)
    assert closed["code"] == "form_unavailable" and closed["detail"]["state"] == "ended"
    assert _send(ag, iid)["code"] == "not_your_interaction"  # nobody serves an ended conversation
    mine = tp.reply(tp.request({"type": "forms.list"}))
    assert [f["status"] for f in mine["items"] if f["id"] == form["id"]] == ["sent"]


def test_every_step_survives_a_restart(tmp_path, person):
    from tests.support import ServerProcess, WSClient

    first = ServerProcess(tmp_path / "data", env=settings_env())
    try:
        tp, ag, iid, hello = served(first, person())
        form = _send(ag, iid, items=["变更表"])["form"]
        _attach(tp, iid, form, "m1", _upload(first, hello["credential"], iid))
        assert _step(tp, "form.submit", iid, form)["form"]["status"] == "submitted"
        tp.close()
        ag.close()
    finally:
        first.stop()
    second = ServerProcess(tmp_path / "data", env=settings_env())
    try:
        tp = WSClient(f"{second.ws_url}/ws/taxpayer?site=demo", second.url)
        tp.send(second.resume_frame(hello["credential"]))
        tp.expect("auth.ok")
        tp.send({"type": "sync", "interaction_id": iid, "last_seq": 0})
        steps = [tp.expect("form.state", interaction_id=iid) for _ in range(3)]
        assert [s["event"] for s in steps] == ["send", "attach", "submit"]
        assert steps[-1]["form"]["items"][0]["files"][0]["name"] == "材料.png"
        listed = tp.reply(tp.request({"type": "forms.list"}))["items"]
        assert [(f["id"], f["status"]) for f in listed] == [(form["id"], "submitted")]
        ag, _ = agent(second)
        done = _step(ag, "form.done", iid, form, result="已办结")
        assert done["form"]["status"] == "done"
        assert tp.expect("form.state", interaction_id=iid, event="complete")["form"]["result"] == (
            "已办结"
        )
        tp.close()
        ag.close()
    finally:
        second.stop()


def test_templates_are_each_centres_own(server):
    supervisor = console(server, "super1", "super1-demo")
    url = server.url + "/console/api/form-templates"
    shipped = supervisor.get(url).json()["items"]
    assert [t["title"] for t in shipped][:3] == ["发票额度调整", "红字发票开具", "办税人员变更"]
    made = supervisor.post(
        url, json={"title": "跨区域涉税事项报告", "items": ["报告表"], "position": 9}
    )
    assert made.status_code == 201
    template = made.json()["item"]
    agent_view = console(server, "agent2", "agent2-demo").get(url).json()["items"]
    assert template["id"] in [t["id"] for t in agent_view]
    assert console(server, "agent2", "agent2-demo").post(url, json={}).status_code == 403
    for bad in (
        {"title": "", "items": ["x"]},
        {"title": "x", "items": []},
        {"title": "x", "items": ["a", "a"]},
    ):
        refused = supervisor.post(url, json=bad)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "bad_field"

    admin = console(server, "admin1", "admin1-demo")
    admin.post(
        server.url + "/console/api/agents",
        json={
            "username": "super-forms",
            "password": "super-forms-pass-1",
            "centre_id": "closed",
            "role": "supervisor",
        },
    )
    other = console(server, "super-forms", "super-forms-pass-1")
    assert other.get(url).json()["items"] == []
    takeover = other.post(url, json={"id": template["id"], "title": "改掉", "items": ["y"]})
    assert takeover.status_code == 404
    assert other.delete(f"{url}/{template['id']}").status_code == 404
    changed = supervisor.post(
        url, json={"id": template["id"], "title": "跨区域涉税事项报告", "items": ["报告表", "合同"]}
    )
    assert changed.json()["item"]["items"] == ["报告表", "合同"]
    assert supervisor.delete(f"{url}/{template['id']}").json() == {"ok": True}
    assert template["id"] not in [t["id"] for t in supervisor.get(url).json()["items"]]
