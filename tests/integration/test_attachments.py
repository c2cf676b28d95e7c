"""Attachments over HTTP: checked by content, bound to the interaction and the person, sent as
messages."""

import io

import pytest
import requests
from PIL import Image

from tests.support import served, taxpayer


def _png(size=(40, 30)):
    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 200)).save(out, "PNG")
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def queued(server, person):
    tp, hello = taxpayer(server, person(), region="4402")
    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    yield tp, iid, hello["credential"]
    tp.reply(tp.request({"type": "interaction.close", "interaction_id": iid}))
    tp.close()


def _upload(server, credential, iid, data, name="shot.png"):
    return requests.post(
        server.url + "/api/attachments",
        data={"interaction_id": iid},
        files={"file": (name, data)},
        headers={"Authorization": f"Bearer {credential}"},
    )


def test_image_upload_then_message_then_download(server, queued):
    tp, iid, credential = queued
    response = _upload(server, credential, iid, _png(), name="../../etc/截图.txt")
    assert response.status_code == 201
    attachment = response.json()["attachment"]
    assert attachment["content_type"] == "image/png" and attachment["name"] == "截图.txt.png"
    seq = tp.reply(
        tp.request(
            {"type": "message.send", "interaction_id": iid, "attachment_id": attachment["id"]}
        )
    )
    message = tp.message(iid, "taxpayer")["message"]
    assert message["attachment"] == attachment and message["body"] == ""
    assert seq["seq"] >= 1
    got = requests.get(
        server.url + attachment["url"], headers={"Authorization": f"Bearer {credential}"}
    )
    assert (
        got.status_code == 200
        and got.content == _png()
        and got.headers["Content-Type"] == "image/png"
    )
    assert "sandbox" in got.headers["Content-Security-Policy"]
    assert requests.get(server.url + attachment["url"]).status_code == 401


def test_pdf_is_accepted(server, queued):
    tp, iid, credential = queued
    response = _upload(server, credential, iid, PDF, name="发票.pdf")
    assert (
        response.status_code == 201
        and response.json()["attachment"]["content_type"] == "application/pdf"
    )


@pytest.mark.parametrize(
    "data,name,status,code",
    [
        (
            b"MZ\x90\x00" + b"\x00" * 200,
            "invoice.png",
            415,
            "unsupported_type",
        ),  # an .exe named .png
        (b"<html><script>alert(1)</script></html>", "x.pdf", 415, "unsupported_type"),
        (_png()[:60], "cut.png", 415, "damaged_file"),  # a truncated image
        (b"%PDF-1.4\n" + b"0" * 5000, "cut.pdf", 415, "damaged_file"),
        (b"", "empty.png", 400, "empty_file"),
    ],
)
def test_bad_uploads_are_refused_by_content(server, queued, data, name, status, code):
    _, iid, credential = queued
    response = _upload(server, credential, iid, data, name=name)
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert response.json()["error"]["zh"] and response.json()["error"]["en"]


def test_oversized_upload_is_refused(server, queued):
    _, iid, credential = queued
    response = _upload(
        server, credential, iid, b"%PDF-" + b"0" * (10 * 1024 * 1024 + 10) + b"%%EOF"
    )
    assert response.status_code == 413


def test_uploads_need_a_credential_and_the_persons_own_interaction(server, queued, person):
    _, iid, credential = queued
    assert _upload(server, "forged", iid, _png()).status_code == 401
    other, hello = taxpayer(server, person(), region="4402")
    response = _upload(server, hello["credential"], iid, _png())
    assert response.status_code == 404
    other.close()


def test_someone_elses_attachment_cannot_be_sent_or_read(server, queued, person):
    tp, iid, credential = queued
    attachment = _upload(server, credential, iid, _png()).json()["attachment"]
    other, hello = taxpayer(server, person(), region="4402")
    other_iid = other.reply(other.request({"type": "human.request"}))["interaction_id"]
    refused = other.reply(
        other.request(
            {"type": "message.send", "interaction_id": other_iid, "attachment_id": attachment["id"]}
        )
    )
    assert refused["type"] == "error" and refused["code"] == "not_found"
    got = requests.get(
        server.url + attachment["url"], headers={"Authorization": f"Bearer {hello['credential']}"}
    )
    assert got.status_code == 404
    empty = other.reply(other.request({"type": "message.send", "interaction_id": other_iid}))
    assert empty["code"] == "bad_field"
    other.reply(other.request({"type": "interaction.close", "interaction_id": other_iid}))
    other.close()


def test_agent_sees_and_sends_attachments(server, person):
    tp, ag, iid, hello = served(server, person(), username="agent2")
    attachment = _upload(server, hello["credential"], iid, _png()).json()["attachment"]
    tp.reply(
        tp.request(
            {
                "type": "message.send",
                "interaction_id": iid,
                "attachment_id": attachment["id"],
                "text": "看截图",
            }
        )
    )
    assert ag.message(iid, "taxpayer")["message"]["attachment"]["id"] == attachment["id"]
    tp.reply(tp.request({"type": "interaction.close", "interaction_id": iid}))
    for c in (tp, ag):
        c.close()
