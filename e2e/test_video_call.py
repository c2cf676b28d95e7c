"""Video calls in real browsers (fake camera, microphone and screen), through the server and the
media worker, proved by counting what each browser decodes: 发起视频 with its one confirm
(是否发起视频聊天, naming the recording), the agent answers, camera and sound both ways, the screen
share to the agent and in the taxpayer's own call area, hidden chat shrinking the window to the
call, mute and unmute, the agent or the taxpayer reloading mid-call, a 14-second network outage
healed by an ICE restart on fresh connections, 关闭视频 from the chat row (是否断开视频聊天) with
text going on; decline, ring timeout and a declined question; and the camera errors a person is
told about."""

import subprocess
import time
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from e2e.axe_support import scan_page, scan_widget
from e2e.console_support import TIMEOUT, Console
from e2e.media_support import TRACK_PEERS, growth_over, inbound, open_peers, presented, wait_growth
from e2e.widget_page import Agent, Widget, eventually, store_of
from tests.support import serving

CAMERA, SCREEN, MIC = "1", "2", "0"  # the m-lines of every call connection (docs/MEDIA.md)
RING = 4  # seconds: RING_TIMEOUT shortened for the ring-timeout test


@pytest.fixture(scope="module")
def video_server(tmp_path_factory):
    """A server with the media worker as its child, on loopback only, and a short ring timeout."""
    yield from serving(
        tmp_path_factory, "video", RTC="child", RTC_LOOPBACK_ONLY=1, RING_TIMEOUT=RING
    )


def media_context(new_context):
    context = new_context()
    context.add_init_script(TRACK_PEERS)
    return context


def connected_pair(new_context, server, tin, agent="agent1"):
    """A taxpayer in the widget served by an agent in the console; return (widget, console,
    interaction id)."""
    desk = Console.login(media_context(new_context), server, agent)
    w = Widget.load(media_context(new_context), server, tin, region="4401").open()
    iid = w.request_human()
    desk.accept(iid)
    expect(w.panel).to_have_attribute("data-state", "connected", timeout=TIMEOUT)
    return w, desk, iid


def confirm(w, kind, ok=True, title=None):
    dialog = w.tid("zn-confirm", kind=kind)
    expect(dialog).to_be_visible(timeout=TIMEOUT)
    if title is not None:
        expect(dialog.locator('[data-testid="zn-confirm-title"]')).to_have_text(title)
    dialog.locator(f'[data-testid="zn-confirm-{"ok" if ok else "cancel"}"]').click()
    expect(dialog).to_have_count(0)


def request_video(w):
    """发起视频 and OK to its one question, which names the recording; wait for the ringing."""
    w.tid("zn-start-video").click()
    dialog = w.tid("zn-confirm", kind="start-video")
    expect(dialog).to_contain_text("全程录音录像（双录）", timeout=TIMEOUT)
    expect(dialog).to_contain_text(
        "保存 180 天后删除"
    )  # RECORDING_RETENTION_DAYS as the server sent it
    expect(dialog).to_have_attribute("aria-describedby", "zn-confirm-start-video-details")
    confirm(w, "start-video", title="是否发起视频聊天")
    expect(w.tid("zn-confirm")).to_have_count(0)  # one dialog, not two
    expect(w.tid("zn-video")).to_have_attribute("data-call", "requested", timeout=TIMEOUT)


def answer(desk, iid):
    request = desk.inside(iid, "console-video-request")
    expect(request).to_be_visible(timeout=TIMEOUT)
    request.locator('[data-testid="console-video-accept"]').click()


def start_call(w, desk, iid):
    request_video(w)
    answer(desk, iid)
    expect(w.tid("zn-video")).to_have_attribute("data-call", "active", timeout=TIMEOUT)


def finish(w):
    """关闭 the conversation (with its confirm), so the agent's capacity is free for the next
    test."""
    w.tid("zn-close").click()
    confirm(w, "close")


def test_camera_sound_and_screen_flow_and_the_controls_do_what_they_say(
    new_context, video_server, person, axe_path
):
    w, desk, iid = connected_pair(new_context, video_server, person())
    start_call(w, desk, iid)
    agent, taxpayer = desk.page, w.page

    # camera and microphone both ways, decoded
    wait_growth(agent, CAMERA, "frames", 30, what="the taxpayer's camera at the agent")
    wait_growth(taxpayer, CAMERA, "frames", 30, what="the agent's camera at the taxpayer")
    wait_growth(agent, MIC, "samples", 48000, what="the taxpayer's sound at the agent")
    wait_growth(taxpayer, MIC, "samples", 48000, what="the agent's sound at the taxpayer")
    assert inbound(agent)["inbound"][MIC]["energy"] > 0, (
        "the fake microphone's beeps are heard, not silence"
    )
    assert presented(desk.inside(iid, "console-remote-video"), 2) > 10, (
        "the agent's page shows the picture"
    )
    expect(w.tid("zn-call-status")).to_be_empty()

    # the screen share: the privacy warning first, then the agent decodes a third stream
    assert growth_over(agent, SCREEN, "frames", 1) == 0, "no screen before sharing"
    screen_tile = desk.inside(iid, "console-screen-video").locator("xpath=..")
    expect(screen_tile).to_have_attribute("data-receiving", "false")
    w.tid("zn-share-screen").click()
    confirm(w, "share-screen")
    expect(w.tid("zn-share-screen")).to_have_attribute("aria-pressed", "true")
    wait_growth(agent, SCREEN, "frames", 10, what="the taxpayer's screen at the agent")
    assert presented(desk.inside(iid, "console-screen-video"), 2) > 2
    expect(screen_tile).to_have_attribute("data-receiving", "true")
    # the taxpayer's own call area shows what is shared, decoded, the agent's camera small beside it
    preview = w.tid("zn-screen-preview")
    expect(preview).to_be_visible()
    assert presented(preview, 2) > 2, "the shared screen plays in the taxpayer's call area"
    assert box_area(w.tid("zn-remote-video")) * 4 < box_area(preview), "the camera is the small one"
    assert presented(w.tid("zn-remote-video"), 2) > 10, "the agent's picture keeps coming beside it"
    scan_widget(taxpayer, axe_path, "video call with the screen shared")
    scan_page(agent, axe_path, "console in a video call")
    w.tid("zn-share-screen").click()  # stop sharing: the agent's picture fills the area again
    expect(preview).to_be_hidden()
    expect(w.tid("zn-share-screen")).to_have_attribute("aria-pressed", "false")
    assert box_area(w.tid("zn-remote-video")) > box_area(w.tid("zn-local-video")) * 4

    # mute the camera: no more frames at the agent; unmute: they come back
    w.tid("zn-mute-camera").click()
    expect(w.tid("zn-mute-camera")).to_have_attribute("aria-pressed", "true")
    growth_over(agent, CAMERA, "frames", 1)  # what was in flight
    assert growth_over(agent, CAMERA, "frames", 2) <= 1, "a muted camera sends nothing"
    camera_tile = desk.inside(iid, "console-remote-video").locator("xpath=..")
    expect(camera_tile).to_have_attribute(
        "data-receiving", "false", timeout=TIMEOUT
    )  # "no picture", not frozen
    w.tid("zn-mute-camera").click()
    expect(w.tid("zn-mute-camera")).to_have_attribute("aria-pressed", "false")
    wait_growth(agent, CAMERA, "frames", 20, what="the camera after unmuting")
    expect(camera_tile).to_have_attribute("data-receiving", "true", timeout=TIMEOUT)

    # mute the microphone: no more sound packets; unmute: they come back
    w.tid("zn-mute-mic").click()
    expect(w.tid("zn-mute-mic")).to_have_attribute("aria-pressed", "true")
    growth_over(agent, MIC, "packets", 1)
    assert growth_over(agent, MIC, "packets", 2) <= 1, "a muted microphone sends nothing"
    w.tid("zn-mute-mic").click()
    wait_growth(agent, MIC, "packets", 50, what="the microphone after unmuting")

    # the agent's switches work the same way
    desk.inside(iid, "console-mute-camera").click()
    expect(desk.inside(iid, "console-mute-camera")).to_have_attribute("aria-pressed", "true")
    growth_over(taxpayer, CAMERA, "frames", 1)
    assert growth_over(taxpayer, CAMERA, "frames", 2) <= 1, "the agent's camera is off"
    expect(w.tid("zn-remote-video")).to_have_attribute("data-receiving", "false", timeout=TIMEOUT)
    desk.inside(iid, "console-mute-camera").click()
    wait_growth(taxpayer, CAMERA, "frames", 20, what="the agent's camera switched on again")
    expect(w.tid("zn-remote-video")).to_have_attribute("data-receiving", "true", timeout=TIMEOUT)

    # 关闭视频 in the chat window's action row asks 是否断开视频聊天; then the call is over for both
    # and the chat goes on
    close_video = w.tid("zn-actions").locator('[data-testid="zn-close-video"]')
    expect(close_video).to_have_text("关闭视频")
    close_video.click()
    confirm(w, "close-video", ok=False, title="是否断开视频聊天")
    expect(w.tid("zn-video")).to_have_attribute("data-call", "active")
    close_video.click()
    confirm(w, "close-video", title="是否断开视频聊天")
    expect(w.tid("zn-video")).to_be_hidden(timeout=TIMEOUT)
    expect(desk.inside(iid, "console-video")).to_be_hidden(timeout=TIMEOUT)
    eventually(
        lambda: open_peers(taxpayer) == 0 and open_peers(agent) == 0, what="both connections closed"
    )
    expect(w.tid("zn-start-video")).to_be_visible()
    w.ask("视频结束后还能发文字吗")
    expect(desk.inside(iid, "console-message", **{"from": "taxpayer"}).last).to_contain_text(
        "视频结束后还能发文字吗", timeout=TIMEOUT
    )
    recordings = eventually(
        lambda: _recordings(video_server, iid, 3), what="three recordings indexed"
    )
    assert sorted(r["kind"] for r in recordings) == ["agent", "screen", "taxpayer"]
    finish(w)
    w.assert_clean()
    desk.assert_clean()

    # a supervisor plays the taxpayer's recording in the console: it decodes, and the playback is
    # audited
    boss = Console.login(new_context(), video_server, "super1")
    boss.page.goto(video_server.url + "/console/admin#recordings")
    rows = boss.tid("console-recording-item", interaction_id=iid)
    expect(rows).to_have_count(3, timeout=TIMEOUT)
    scan_page(boss.page, axe_path, "the recordings page")
    boss.tid("console-recording-item", interaction_id=iid, kind="taxpayer").locator(
        '[data-testid="console-recording-play"]'
    ).click()
    player = boss.tid("console-recording-player")
    player.evaluate("(v) => { v.muted = true; return v.play(); }")
    assert presented(player, 2) > 10, "the recording plays with pictures"
    assert player.evaluate("(v) => v.duration") > 2
    with store_of(video_server) as store:
        assert "view_recording" in [a["action"] for a in store.conversations.audit_events(iid)]
    boss.assert_clean()


def box_area(locator):
    box = locator.bounding_box()
    return box["width"] * box["height"]


def test_hidden_chat_leaves_the_call_alone_in_a_small_window_that_hangs_up_too(
    new_context, video_server, person, axe_path
):
    w, desk, iid = connected_pair(new_context, video_server, person())
    start_call(w, desk, iid)
    wait_growth(
        desk.page, CAMERA, "frames", 10, what="the taxpayer's camera before hiding the chat"
    )
    expect(
        w.tid("zn-call-close")
    ).to_be_hidden()  # the chat row's 关闭视频 does it while the chat shows
    full = box_area(w.panel)

    w.tid("zn-hide-chat").click()
    expect(w.panel).to_have_attribute("data-compact", "true")
    expect(w.tid("zn-hide-chat")).to_have_attribute("aria-pressed", "true")
    for gone in ("zn-messages", "zn-input", "zn-close-video"):
        expect(w.tid(gone)).to_be_hidden()
    expect(w.tid("zn-call-close")).to_be_visible()
    compact = box_area(w.panel)
    assert compact <= full / 2, f"the compact window is {compact:.0f} px², the open one {full:.0f}"

    # still draggable by its title bar
    before = w.panel.bounding_box()
    handle = w.tid("zn-drag-handle").bounding_box()
    w.page.mouse.move(handle["x"] + 40, handle["y"] + 10)
    w.page.mouse.down()
    w.page.mouse.move(handle["x"] - 160, handle["y"] - 90, steps=5)
    w.page.mouse.up()
    after = w.panel.bounding_box()
    assert (round(after["x"] - before["x"]), round(after["y"] - before["y"])) == (-200, -100)

    # the call goes on both ways: the agent gets pictures and sound, the taxpayer the agent's too
    wait_growth(desk.page, CAMERA, "frames", 30, what="the taxpayer's camera with the chat hidden")
    wait_growth(desk.page, MIC, "samples", 48000, what="the taxpayer's sound with the chat hidden")
    assert presented(w.tid("zn-remote-video"), 2) > 10, "the agent's picture in the compact window"
    wait_growth(w.page, MIC, "samples", 48000, what="the agent's sound with the chat hidden")
    scan_widget(w.page, axe_path, "the compact call window")

    # 隐藏聊天 again restores the chat at its full size; hide it once more and hang up from there
    w.tid("zn-hide-chat").click()
    expect(w.panel).not_to_have_attribute("data-compact", "true")
    expect(w.tid("zn-messages")).to_be_visible()
    assert box_area(w.panel) == full
    w.tid("zn-hide-chat").click()
    expect(w.panel).to_have_attribute("data-compact", "true")
    w.tid("zn-call-close").click()
    confirm(w, "close-video", ok=False, title="是否断开视频聊天")
    expect(w.tid("zn-video")).to_have_attribute("data-call", "active")
    w.tid("zn-call-close").click()
    confirm(w, "close-video", title="是否断开视频聊天")
    expect(w.tid("zn-video")).to_be_hidden(timeout=TIMEOUT)
    expect(desk.inside(iid, "console-video")).to_be_hidden(timeout=TIMEOUT)
    expect(w.panel).not_to_have_attribute("data-compact", "true")
    expect(w.tid("zn-messages")).to_be_visible()
    expect(w.tid("zn-input")).to_be_focused()  # not lost with the hang-up button that went away
    assert box_area(w.panel) == full, "the window is whole again after the call"
    expect(w.tid("zn-start-video")).to_be_visible()
    finish(w)
    w.assert_clean()


def _recordings(server, iid, count):
    with store_of(server) as store:
        rows = store.media.recordings_of(iid)
    return rows if len(rows) >= count else None


def test_an_agent_who_reloads_mid_call_gets_the_picture_back(new_context, video_server, person):
    w, desk, iid = connected_pair(new_context, video_server, person())
    start_call(w, desk, iid)
    wait_growth(desk.page, CAMERA, "frames", 20, what="the taxpayer's camera before the reload")
    desk.page.reload()
    desk.wait_connected()
    expect(desk.inside(iid, "console-video")).to_have_attribute(
        "data-call", "active", timeout=TIMEOUT
    )
    wait_growth(desk.page, CAMERA, "frames", 30, what="the taxpayer's camera after the reload")
    wait_growth(desk.page, MIC, "samples", 48000, what="the taxpayer's sound after the reload")
    wait_growth(
        w.page, CAMERA, "frames", 30, what="the agent's camera at the taxpayer after the reload"
    )
    expect(w.tid("zn-video")).to_have_attribute("data-call", "active")
    finish(w)
    expect(desk.inside(iid, "console-video")).to_be_hidden(timeout=TIMEOUT)
    w.assert_clean()


def test_a_taxpayer_who_reloads_mid_call_rejoins_it(new_context, video_server, person):
    w, desk, iid = connected_pair(new_context, video_server, person())
    start_call(w, desk, iid)
    wait_growth(w.page, CAMERA, "frames", 20, what="the agent's camera before the reload")
    w.tid("zn-hide-chat").click()  # the chat hidden: it stays hidden after the reload
    expect(w.panel).to_have_attribute("data-compact", "true")
    w.page.reload()
    expect(w.tid("zn-video")).to_have_attribute("data-call", "active", timeout=TIMEOUT)
    expect(w.panel).to_have_attribute("data-compact", "true")
    expect(w.tid("zn-hide-chat")).to_have_attribute("aria-pressed", "true")
    expect(w.tid("zn-messages")).to_be_hidden()
    w.tid("zn-hide-chat").click()  # shown again, for the 关闭 below
    wait_growth(w.page, CAMERA, "frames", 30, what="the agent's camera after the reload")
    wait_growth(
        desk.page, CAMERA, "frames", 30, what="the taxpayer's camera at the agent after the reload"
    )
    expect(w.tid("zn-call-status")).to_be_empty(timeout=TIMEOUT)
    finish(w)
    expect(desk.inside(iid, "console-video")).to_be_hidden(timeout=TIMEOUT)
    w.assert_clean()


def test_another_tab_of_the_taxpayer_shows_where_the_call_is_and_takes_nothing(
    new_context, video_server, person
):
    tin = person()
    w, desk, iid = connected_pair(new_context, video_server, tin)
    start_call(w, desk, iid)
    other = Widget.load(w.page.context, video_server, tin, region="4401").open("connected")
    expect(other.tid("zn-video")).to_have_attribute("data-elsewhere", "", timeout=TIMEOUT)
    expect(other.tid("zn-call-status")).to_contain_text("另一个浏览器标签页")
    expect(other.tid("zn-mute-camera")).to_be_hidden()
    wait_growth(
        desk.page, CAMERA, "frames", 30, what="the first tab's camera with a second tab open"
    )
    assert open_peers(other.page) == 0, "the second tab opens no connection of its own"
    finish(w)
    expect(other.tid("zn-video")).to_be_hidden(timeout=TIMEOUT)
    other.assert_clean()


def test_a_dropped_media_connection_is_restarted_and_the_picture_comes_back(
    new_context, video_server, person
):
    w, desk, iid = connected_pair(new_context, video_server, person())
    start_call(w, desk, iid)
    wait_growth(desk.page, CAMERA, "frames", 20, what="the taxpayer's camera before the outage")
    peers = (w.page.evaluate("window.__peers.length"), desk.page.evaluate("window.__peers.length"))
    watch = """() => {
      window.__states = [];
      const pc = window.__peers[window.__peers.length - 1];
      pc.addEventListener('connectionstatechange', () => window.__states.push(pc.connectionState));
    }"""
    w.page.evaluate(watch)
    desk.page.evaluate(watch)
    outage(14)  # loopback down: ICE consent fails on both sides; the WebSockets (TCP) ride it out
    expect(w.tid("zn-video")).to_have_attribute("data-call", "active")
    wait_growth(
        desk.page, CAMERA, "frames", 30, timeout=60, what="the taxpayer's camera after the outage"
    )
    wait_growth(
        w.page, CAMERA, "frames", 30, timeout=60, what="the agent's camera after the outage"
    )
    assert "disconnected" in w.page.evaluate("window.__states"), "the outage was real"
    assert "disconnected" in desk.page.evaluate("window.__states")
    assert w.page.evaluate("window.__peers.length") > peers[0], (
        "the taxpayer restarted on a fresh connection"
    )
    assert desk.page.evaluate("window.__peers.length") > peers[1], "so did the agent"
    expect(w.tid("zn-call-status")).to_be_empty(timeout=TIMEOUT)
    finish(w)
    w.assert_clean()


def outage(seconds):
    """Take loopback down for a while (the tests run in their own network namespace: only they see
    it)."""
    subprocess.run(["ip", "link", "set", "lo", "down"], check=True, timeout=10)
    try:
        time.sleep(seconds)
    finally:
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)


def test_a_declined_request_and_an_unanswered_one_leave_the_chat_as_it_was(
    new_context, video_server, person, axe_path
):
    w, desk, iid = connected_pair(new_context, video_server, person())
    w.page.evaluate(
        "() => { window.__calls = []; "
        "window.Zhengna.on('call', (d) => window.__calls.push(d.call)); }"
    )
    request_video(w)
    request = desk.inside(iid, "console-video-request")
    expect(request).to_be_visible(timeout=TIMEOUT)
    scan_widget(w.page, axe_path, "ringing")
    scan_page(desk.page, axe_path, "console with a video request")
    request.locator('[data-testid="console-video-decline"]').click()
    expect(w.tid("zn-video")).to_be_hidden(timeout=TIMEOUT)
    expect(w.messages("system").last).to_contain_text("坐席暂时无法接听视频")
    expect(w.tid("zn-start-video")).to_be_visible()
    assert open_peers(w.page) == 0
    assert w.page.evaluate("window.__calls") == ["requested", "none"], "the host page is told"

    request_video(w)  # nobody answers this time
    expect(desk.inside(iid, "console-video-request")).to_be_visible(timeout=TIMEOUT)
    expect(w.tid("zn-video")).to_be_hidden(timeout=(RING + 10) * 1000)
    expect(w.messages("system").last).to_contain_text("坐席未接听视频请求")
    expect(desk.inside(iid, "console-video-request")).to_be_hidden(timeout=TIMEOUT)
    expect(desk.inside(iid, "console-message", kind="call").last).to_contain_text(
        "视频请求超时未接听"
    )
    desk.say(iid, "我们继续文字交流")
    expect(w.messages("agent").last).to_contain_text("我们继续文字交流", timeout=TIMEOUT)
    finish(w)
    w.assert_clean()


@contextmanager
def served_by_a_script(context, server, tin, **params):
    """A taxpayer in the widget served by a scripted agent (no console); yield (widget, agent,
    interaction id)."""
    w = Widget.load(context, server, tin, region="4401", **params).open()
    iid = w.request_human()
    agent = Agent(server)
    try:
        agent.accept(iid)
        expect(w.panel).to_have_attribute("data-state", "connected", timeout=TIMEOUT)
        yield w, agent, iid
        agent.end(iid)
    finally:
        agent.close()
    w.assert_clean()


def test_cancelling_the_question_and_its_recording_notice_starts_no_call(
    new_context, video_server, person
):
    with served_by_a_script(media_context(new_context), video_server, person()) as (w, agent, iid):
        w.tid("zn-start-video").click()
        expect(w.tid("zn-confirm", kind="start-video")).to_contain_text("录音录像")
        confirm(w, "start-video", ok=False, title="是否发起视频聊天")  # 取消: the chat stays text
        expect(w.tid("zn-toast")).to_contain_text("已取消视频，您可以继续文字交流")
        expect(w.tid("zn-video")).to_be_hidden()
        w.ask("那我们文字沟通")
        assert agent.taxpayer_message(iid)["body"] == "那我们文字沟通"
        with store_of(video_server) as store:
            assert store.conversations.get_interaction(iid).call_state == "none"
            calls = [
                e
                for e in store.conversations.events_after(iid, 0, 500)
                if e["type"] == "call.state"
            ]
            assert not calls, "no call was asked for"
        assert w.page.evaluate("window.__peers.length") == 0


def test_the_call_speaks_english_where_the_page_does(new_context, video_server, person):
    with served_by_a_script(media_context(new_context), video_server, person(), locale="en") as (
        w,
        agent,
        iid,
    ):
        expect(w.tid("zn-start-video")).to_have_text("Start video", timeout=TIMEOUT)
        w.tid("zn-start-video").click()
        expect(w.tid("zn-confirm", kind="start-video")).to_contain_text(
            "This video chat is recorded"
        )
        expect(w.tid("zn-confirm", kind="start-video")).to_contain_text("deleted after 180 days")
        confirm(w, "start-video", title="Start a video chat?")
        expect(w.tid("zn-call-status")).to_have_text(
            "Waiting for the agent to answer…", timeout=TIMEOUT
        )
        expect(w.tid("zn-actions").locator('[data-testid="zn-close-video"]')).to_have_text(
            "Cancel video"
        )
        agent.ws.reply(agent.ws.request({"type": "call.decline", "interaction_id": iid}))
        expect(w.messages("system").last).to_contain_text(
            "The agent cannot take video now", timeout=TIMEOUT
        )


@pytest.mark.parametrize(
    "error, words",
    [
        ("NotAllowedError", "访问权限被拒绝"),
        ("NotFoundError", "未检测到摄像头或麦克风"),
        ("NotReadableError", "正被其他程序占用"),
    ],
)
def test_a_camera_that_cannot_open_is_explained_and_rings_nobody(
    new_context, video_server, person, error, words
):
    context = media_context(new_context)
    context.add_init_script(
        "navigator.mediaDevices.getUserMedia = () => Promise.reject("
        f"new DOMException('refused by the test', '{error}'));"
    )
    with served_by_a_script(context, video_server, person()) as (w, agent, iid):
        w.tid("zn-start-video").click()
        confirm(w, "start-video")
        expect(w.tid("zn-toast")).to_contain_text(words)
        expect(w.tid("zn-video")).to_be_hidden()
        expect(w.tid("zn-start-video")).to_be_visible()
        with store_of(video_server) as store:
            assert store.conversations.get_interaction(iid).call_state == "none"
