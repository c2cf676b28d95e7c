"""业务办理服务确认单 in two real browsers: the agent sends a form from a template, the
taxpayer uploads two files and confirms, the agent returns it with a reason, the taxpayer
corrects and resubmits, the agent marks it done; both sides see every step, also after a
reload, and the form is listed under 我的业务确认单. axe scans each state."""

from PIL import Image
from playwright.sync_api import expect

from e2e.axe_support import scan_page, scan_widget
from e2e.console_support import TIMEOUT, Console
from e2e.widget_page import Widget

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _files(tmp_path):
    png, corrected, pdf = (
        tmp_path / "申请表.png",
        tmp_path / "申请表（盖章）.png",
        tmp_path / "情况说明.pdf",
    )
    Image.new("RGB", (60, 40), (30, 90, 200)).save(png)
    Image.new("RGB", (60, 40), (200, 40, 40)).save(corrected)
    pdf.write_bytes(PDF)
    return str(png), str(corrected), str(pdf)


def test_a_form_from_sending_to_done_on_both_sides(new_context, server, person, tmp_path, axe_path):
    png, corrected, pdf = _files(tmp_path)
    agent = Console.login(new_context(), server, "agent1")
    w = Widget.load(new_context(), server, person(), region="4402", name="林会计")
    w.open()
    w.tid("zn-request-human").click()
    iid = w.interaction_id()
    agent.accept(iid)
    expect(w.panel).to_have_attribute("data-state", "connected", timeout=TIMEOUT)

    # the agent: a template, trimmed to two materials, one of them added by hand
    agent.inside(iid, "console-form-new").click()
    template = agent.inside(iid, "console-form-template")
    template.select_option("demo-quota")
    items = agent.inside(iid, "console-form-item")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_have_value("发票额度调整申请表")
    expect(agent.inside(iid, "console-form-title")).to_have_value("发票额度调整")
    agent.inside(iid, "console-form-item-remove").nth(2).click()
    agent.inside(iid, "console-form-item-remove").nth(1).click()
    agent.inside(iid, "console-form-item-add").click()
    expect(items).to_have_count(2)
    expect(items.nth(1)).to_be_focused()
    items.nth(1).fill("近三个月经营情况说明")
    scan_page(agent.page, axe_path, "console with the form composer")
    agent.inside(iid, "console-form-send").click()

    card = agent.inside(iid, "console-form")
    expect(card).to_have_attribute("data-status", "sent", timeout=TIMEOUT)
    form = w.tid("zn-form")
    expect(form).to_have_attribute("data-status", "sent", timeout=TIMEOUT)
    expect(form).to_contain_text("发票额度调整")
    expect(w.tid("zn-form-item")).to_have_count(2)
    expect(w.tid("zn-form-submit")).to_be_disabled()
    # found by role and accessible name too: each material's picker names the material
    expect(w.page.get_by_label("上传：发票额度调整申请表")).to_have_attribute("type", "file")
    expect(w.page.get_by_role("button", name="确认提交")).to_be_disabled()
    scan_widget(w.page, axe_path, "a form to fill")

    # the taxpayer: one file per material, then confirm
    w.tid("zn-form-upload", item_id="m1").set_input_files(png)
    expect(w.tid("zn-form-item", item_id="m1")).to_have_attribute(
        "data-files", "1", timeout=TIMEOUT
    )
    w.tid("zn-form-upload", item_id="m2").set_input_files(pdf)
    expect(w.tid("zn-form-item", item_id="m2")).to_have_attribute(
        "data-files", "1", timeout=TIMEOUT
    )
    w.tid("zn-form-submit").click()
    expect(form).to_have_attribute("data-status", "submitted", timeout=TIMEOUT)
    expect(w.tid("zn-form-upload")).to_have_count(0)

    # the agent sees both files and returns it with a reason
    expect(card).to_have_attribute("data-status", "submitted", timeout=TIMEOUT)
    files = agent.inside(iid, "console-form-file")
    expect(files).to_have_count(2)
    expect(files.nth(1)).to_contain_text("情况说明.pdf")
    scan_page(agent.page, axe_path, "console with a submitted form")
    agent.inside(iid, "console-form-reason").fill("申请表未加盖公章，请盖章后重新上传")
    agent.inside(iid, "console-form-reason").blur()
    w.ask("请问还需要什么？")  # a message arriving meanwhile leaves what the agent typed alone
    expect(agent.conversation(iid).locator('[data-from="taxpayer"]')).to_contain_text(
        "还需要什么", timeout=TIMEOUT
    )
    expect(agent.inside(iid, "console-form-reason")).to_have_value(
        "申请表未加盖公章，请盖章后重新上传"
    )
    w.tid("zn-minimise").click()  # away from the window: the returned form counts as unread
    agent.inside(iid, "console-form-return").click()
    expect(card).to_have_attribute("data-status", "returned", timeout=TIMEOUT)
    expect(w.tid("zn-unread")).to_have_attribute("data-count", "1", timeout=TIMEOUT)
    w.open()
    expect(w.tid("zn-unread")).to_have_attribute("data-count", "0")
    expect(form).to_have_attribute("data-status", "returned", timeout=TIMEOUT)
    expect(w.tid("zn-form-reason")).to_contain_text("申请表未加盖公章")
    expect(w.messages("system").filter(has_text="确认单已退回")).to_have_count(1)
    scan_widget(w.page, axe_path, "a returned form")

    # corrected and resubmitted
    w.tid("zn-form-upload", item_id="m1").set_input_files(corrected)
    expect(w.tid("zn-form-item", item_id="m1")).to_have_attribute(
        "data-files", "2", timeout=TIMEOUT
    )
    w.tid("zn-form-submit").click()
    expect(card).to_have_attribute("data-status", "submitted", timeout=TIMEOUT)
    expect(files).to_have_count(3)
    agent.inside(iid, "console-form-result").fill("已将增值税专用发票月领用额度调整为 100 份")
    agent.inside(iid, "console-form-done").click()
    expect(card).to_have_attribute("data-status", "done", timeout=TIMEOUT)
    expect(form).to_have_attribute("data-status", "done", timeout=TIMEOUT)
    expect(w.tid("zn-form-result")).to_contain_text("100 份")
    scan_widget(w.page, axe_path, "a form done")

    # every step survives a reload on both sides
    w.page.reload()
    expect(w.panel).to_be_visible(timeout=TIMEOUT)  # it was open: it comes back open
    expect(w.tid("zn-form")).to_have_attribute("data-status", "done", timeout=TIMEOUT)
    expect(w.tid("zn-form-result")).to_contain_text("100 份")
    expect(w.tid("zn-form-item", item_id="m1")).to_have_attribute("data-files", "2")
    expect(w.page.locator("[data-form-event]")).to_have_count(
        8
    )  # send, 3 uploads, 2 submits, return, done
    agent.page.reload()
    agent.wait_connected()
    expect(agent.inside(iid, "console-form")).to_have_attribute(
        "data-status", "done", timeout=TIMEOUT
    )
    expect(agent.inside(iid, "console-form-result-shown")).to_contain_text("100 份")
    expect(agent.inside(iid, "console-form-file")).to_have_count(3)

    # 我的业务确认单
    w.tid("zn-forms-open").click()
    listed = w.tid("zn-forms-list").locator('[data-testid="zn-forms-item"]')
    expect(listed).to_have_count(1, timeout=TIMEOUT)
    expect(listed).to_have_attribute("data-status", "done")
    expect(listed).to_contain_text("发票额度调整")
    scan_widget(w.page, axe_path, "my business forms")
    listed.click()
    expect(w.tid("zn-form")).to_have_attribute("data-status", "done")
    assert not w.errors, w.errors
    agent.assert_clean()


def test_what_the_agent_types_into_a_form_is_shown_as_text(new_context, server, person):
    from tests.support import agent as agent_socket

    w = Widget.load(new_context(), server, person(), region="4402")
    w.open()
    w.tid("zn-request-human").click()
    iid = w.interaction_id()
    ag, _ = agent_socket(server)
    ag.reply(ag.request({"type": "interaction.accept", "interaction_id": iid}))
    hostile = '<img src=x onerror="window.__pwned=1">'
    sent = ag.reply(
        ag.request(
            {"type": "form.send", "interaction_id": iid, "title": hostile, "items": ["<b>粗体</b>"]}
        )
    )
    assert sent["form"]["status"] == "sent"
    form = w.tid("zn-form")
    expect(form).to_contain_text(hostile, timeout=TIMEOUT)
    expect(w.tid("zn-form-item")).to_contain_text("<b>粗体</b>")
    assert form.locator("img, b").count() == 0
    assert w.page.evaluate("window.__pwned === undefined")
    ag.close()


def test_a_supervisor_adds_a_template_that_an_agent_then_sends(
    new_context, server, person, axe_path
):
    from tests.support import taxpayer

    boss = Console.login(new_context(), server, "super1")
    boss.page.goto(server.url + "/console/admin")
    box = boss.tid("console-form-templates")
    expect(box.locator('[data-testid="console-template-item"]')).to_have_count(3, timeout=TIMEOUT)
    boss.tid("console-template-title").fill("跨区域涉税事项报告")
    boss.tid("console-template-items").fill("跨区域涉税事项报告表\n外出经营合同复印件")
    boss.tid("console-template-position").fill("5")
    scan_page(boss.page, axe_path, "the form templates editor")
    boss.tid("console-template-save").click()
    added = box.locator('[data-testid="console-template-item"]').filter(
        has_text="跨区域涉税事项报告"
    )
    expect(added).to_have_count(1, timeout=TIMEOUT)
    expect(boss.tid("console-form-templates-status")).to_have_attribute("data-result", "ok")

    tp, _ = taxpayer(server, person(), region="4402")
    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    agent = Console.login(new_context(), server, "agent2")
    agent.accept(iid)
    agent.inside(iid, "console-form-new").click()
    agent.inside(iid, "console-form-template").select_option(label="跨区域涉税事项报告")
    expect(agent.inside(iid, "console-form-item").nth(1)).to_have_value("外出经营合同复印件")
    agent.inside(iid, "console-form-send").click()
    sent = tp.expect("form.state", interaction_id=iid)
    assert [i["name"] for i in sent["form"]["items"]] == [
        "跨区域涉税事项报告表",
        "外出经营合同复印件",
    ]
    assert sent["form"]["template_id"] == added.get_attribute("data-template-id")
    tp.close()
    boss.assert_clean()
    agent.assert_clean()


def test_a_form_the_conversation_left_unfinished_says_so_on_both_sides(new_context, server, person):
    agent = Console.login(new_context(), server, "agent1")
    w = Widget.load(new_context(), server, person(), region="4402")
    w.open()
    w.tid("zn-request-human").click()
    iid = w.interaction_id()
    agent.accept(iid)
    agent.inside(iid, "console-form-new").click()
    agent.inside(iid, "console-form-template").select_option("demo-quota")
    agent.inside(iid, "console-form-send").click()
    form = w.tid("zn-form")
    expect(form).to_have_attribute("data-status", "sent", timeout=TIMEOUT)
    expect(w.tid("zn-form-upload")).not_to_have_count(0)

    # the agent ends the conversation before the taxpayer has sent anything
    agent.inside(iid, "console-end").click()
    agent.tid("console-end-category").select_option("发票开具")
    agent.tid("console-confirm-ok").click()
    expect(w.panel).to_have_attribute("data-state", "ended", timeout=TIMEOUT)
    expect(form).to_have_attribute("data-status", "sent")  # its newest step
    expect(form).to_have_attribute("data-closed", "")
    expect(w.tid("zn-form-status")).to_have_text("未办结：会话已结束，如需继续办理请重新咨询")
    expect(w.tid("zn-form-upload")).to_have_count(0)  # nothing to upload into any more
    expect(agent.inside(iid, "console-form")).to_have_attribute("data-closed", "", timeout=TIMEOUT)
    expect(agent.inside(iid, "console-form-status")).to_contain_text("未办结：会话已结束")

    # 我的业务确认单 lists it as unfinished too, also after a reload
    w.page.reload()
    expect(w.panel).to_be_visible(timeout=TIMEOUT)  # it was open: it comes back open
    expect(w.panel).not_to_have_attribute("data-state", "connecting", timeout=TIMEOUT)
    w.tid("zn-forms-open").click()
    listed = w.tid("zn-forms-list").locator('[data-testid="zn-forms-item"]')
    expect(listed).to_have_count(1, timeout=TIMEOUT)
    expect(listed).to_have_attribute("data-closed", "")
    expect(listed).to_contain_text("未办结")
    assert not w.errors, w.errors
    agent.assert_clean()
