// @ts-check
// The video call of one conversation, agent side: the incoming request (接听 / 拒绝), the taxpayer's camera and
// screen share side by side, the agent's own camera, mute switches and 关闭视频. The tab that accepted carries
// the media; a reload of that tab (sessionStorage remembers the call) rejoins and gets the picture back.
import { h, bilingual, both } from "../shared/dom.js";
import { openDialog } from "./dialog.js";
import { LocalMedia, MediaLink, mediaProblem, watchPicture } from "../zn/peer.js";

const PROBLEMS = {
  "no-device": "camNoDevice",
  denied: "camDenied",
  busy: "camBusy",
  insecure: "camInsecure",
  other: "camOther",
};

/** The call state of a transcript: the newest of its view and the events that say it (call.state and
 * interaction.state). */
export function callOf(transcript) {
  const info = transcript.info || {};
  let found = { seq: info.seq || 0, call: info.call || "none", call_id: info.call_id || null };
  for (const frame of transcript.events.values()) {
    if (
      (frame.type === "call.state" || frame.type === "interaction.state") &&
      frame.call &&
      frame.seq > found.seq
    )
      found = frame;
  }
  return { call: found.call, callId: found.call_id || null };
}

export class CallPanel {
  /** conv: the Conversation (iid, app, mine); media: {video, ice_servers} from auth.ok. */
  constructor(conv) {
    this.conv = conv;
    this.app = conv.app;
    this.state = "none";
    this.callId = null;
    this.link = null;
    this.local = new LocalMedia();
    this.build();
  }

  build() {
    const button = (tid, key, onClick, cls = "secondary", pressed = false) => {
      const el = h("button", {
        cls,
        tid,
        t: key,
        attrs: { type: "button", "aria-pressed": pressed ? "false" : null },
      });
      el.addEventListener("click", onClick);
      return el;
    };
    this.accept = button(
      "console-video-accept",
      "videoAccept",
      () => this.answer("accept"),
      "primary",
    );
    this.decline = button("console-video-decline", "videoDecline", () => this.answer("decline"));
    this.request = h(
      "div",
      { cls: "video-request", tid: "console-video-request", attrs: { role: "alert" } },
      [
        bilingual(h("span", { cls: "video-request-text" }), "videoRequest"),
        this.accept,
        this.decline,
      ],
    );
    const video = (tid, key) => {
      const el = h("video", {
        tid,
        attrs: { autoplay: true, playsinline: true, muted: true, "aria-label": both(key) },
      });
      el.muted = true; // pictures only; the taxpayer's voice plays in its own element
      return el;
    };
    this.remote = video("console-remote-video", "videoCamera");
    this.screen = video("console-screen-video", "videoScreen");
    this.localVideo = video("console-local-video", "videoLocal");
    this.sound = h("audio", { attrs: { autoplay: true } });
    this.sound.hidden = true;
    this.soundButton = button(
      "console-enable-sound",
      "enableSound",
      () => this.playSound(),
      "primary",
    );
    this.soundButton.hidden = true;
    this.status = h("p", {
      cls: "video-status",
      tid: "console-video-status",
      attrs: { role: "status" },
    });
    this.mic = button("console-mute-mic", "muteMic", () => this.toggleMic(), "secondary", true);
    this.camera = button(
      "console-mute-camera",
      "muteCamera",
      () => this.toggleCamera(),
      "secondary",
      true,
    );
    this.close = button("console-close-video", "closeVideo", () => this.closeClicked(), "danger");
    const figure = (el, key) =>
      h("figure", { cls: "video-tile" }, [el, bilingual(h("figcaption"), key)]);
    this.stage = h("div", { cls: "video-stage" }, [
      figure(this.remote, "videoCamera"),
      figure(this.screen, "videoScreen"),
      figure(this.localVideo, "videoLocal"),
    ]);
    this.callArea = h("div", { cls: "video-call" }, [
      this.stage,
      this.status,
      this.sound,
      h(
        "div",
        { cls: "video-controls", attrs: { role: "toolbar", "aria-label": both("videoControls") } },
        [this.mic, this.camera, this.soundButton, this.close],
      ),
    ]);
    this.el = h(
      "section",
      { cls: "video", tid: "console-video", attrs: { "aria-label": both("videoArea") } },
      [this.request, this.callArea],
    );
    this.unwatch = null;
    this.el.hidden = true;
  }

  get ownerKey() {
    return `zhengna.call.${this.callId}`;
  }

  get owner() {
    return Boolean(this.callId) && sessionStorage.getItem(this.ownerKey) === "1";
  }

  set owner(value) {
    if (!this.callId) return;
    if (value) sessionStorage.setItem(this.ownerKey, "1");
    else sessionStorage.removeItem(this.ownerKey);
  }

  /** Follow the conversation's call state. */
  update() {
    const { call, callId } = this.conv.mine
      ? callOf(this.conv.transcript)
      : { call: "none", callId: null };
    if (callId) this.callId = callId;
    const was = this.state;
    this.state = call;
    this.el.dataset.call = call;
    if (call === "none") return was === "none" ? undefined : this.end();
    this.el.hidden = false;
    this.request.hidden = call !== "requested";
    this.callArea.hidden = call !== "active";
    if (call === "requested" && was !== "requested") this.app.notify.beep();
    if (call !== "active") return undefined;
    if (!this.owner && !this.accepting) {
      bilingual(this.status, "videoElsewhere");
      this.status.dataset.state = "elsewhere";
      return undefined;
    }
    if (!this.link && !this.starting) this.start();
    return undefined;
  }

  async answer(event) {
    this.accept.disabled = this.decline.disabled = true;
    this.accepting = event === "accept";
    try {
      const reply = await this.app.socket.request({
        type: `call.${event}`,
        interaction_id: this.conv.iid,
      });
      if (event === "accept") {
        this.callId = reply.call_id || this.callId;
        this.owner = true;
      }
    } catch (error) {
      this.app.notice(error);
    } finally {
      this.accepting = false;
      this.accept.disabled = this.decline.disabled = false;
      this.update();
    }
  }

  /** Open the agent's camera (going on without it if it cannot: the taxpayer's picture matters most), connect. */
  async start() {
    this.starting = true;
    try {
      this.localVideo.srcObject = await this.local.open();
    } catch (error) {
      this.app.notice({ info: PROBLEMS[mediaProblem(error)] });
    }
    this.starting = false;
    if (this.state !== "active" || this.link) return;
    const media = this.app.media || {};
    const iid = this.conv.iid;
    this.link = new MediaLink({
      iceServers: media.ice_servers || [],
      screen: "recvonly",
      signal: (sdp, restart) =>
        this.app.socket
          .request({ type: "rtc.offer", interaction_id: iid, sdp, restart })
          .then((answer) => answer.sdp),
      onRemote: (tracks) => this.showRemote(tracks),
      onState: (state, error) => this.linkState(state, error),
    });
    const tracks = this.local.tracks();
    this.link.tracks = { ...tracks, screen: null };
    this.mic.disabled = !tracks.mic;
    this.camera.setAttribute("aria-pressed", String(!tracks.camera)); // no camera: the switch can open one later
    this.link.connect();
  }

  showRemote(tracks) {
    // a picture that stops coming (camera off, share stopped) says so instead of freezing on its last frame
    this.unwatch =
      this.unwatch ||
      [this.remote, this.screen].map((el) =>
        watchPicture(el, (on) => {
          el.closest("figure").dataset.receiving = String(on);
        }),
      );
    this.remote.srcObject = new MediaStream([tracks.camera]);
    this.screen.srcObject = new MediaStream([tracks.screen]);
    this.sound.srcObject = new MediaStream([tracks.audio]);
    this.playSound();
  }

  playSound() {
    this.sound.play().then(
      () => {
        this.soundButton.hidden = true;
      },
      () => {
        this.soundButton.hidden = false;
      },
    );
  }

  linkState(state, error) {
    this.status.dataset.state = state;
    if (state === "connected") this.status.replaceChildren();
    else
      bilingual(
        this.status,
        { connecting: "videoConnecting", reconnecting: "videoReconnecting", failed: "videoFailed" }[
          state
        ],
      );
    if (state === "failed" && error && error.code) this.app.notice(error);
  }

  /** call.media from the server: how each side's media connection is doing. */
  media(frame) {
    if (this.state !== "active" || !this.owner) return;
    if (frame.role === "agent" && frame.state === "failed" && this.link) this.link.restart();
    if (frame.role === "taxpayer") {
      this.status.dataset.taxpayer = frame.state;
      if (frame.state === "connected") this.status.replaceChildren();
      else bilingual(this.status, "videoTaxpayerLost");
    }
  }

  toggleMic() {
    const off = this.link && this.local.toggleMic(this.link);
    if (off !== null && off !== undefined) this.mic.setAttribute("aria-pressed", String(off));
  }

  /** Camera off and on again (an agent who had none at the start may switch one on later). */
  async toggleCamera() {
    if (!this.link) return;
    if (!this.local.tracks().camera) this.local.cameraOff = true; // none to switch off: the switch opens one
    try {
      const off = await this.local.toggleCamera(this.link);
      this.camera.setAttribute("aria-pressed", String(off));
      if (!off) this.localVideo.srcObject = this.local.stream;
    } catch (error) {
      this.app.notice({ info: PROBLEMS[mediaProblem(error)] });
    }
  }

  async closeClicked() {
    const ok = await openDialog({
      kind: "close-video",
      title: "closeVideoTitle",
      text: "closeVideoText",
      okKey: "closeVideo",
    });
    if (!ok) return;
    try {
      await this.app.socket.request({ type: "call.hangup", interaction_id: this.conv.iid });
    } catch (error) {
      this.app.notice(error);
    }
  }

  /** No call (any more): release the camera and the connection. */
  end() {
    if (this.link) this.link.close();
    this.link = null;
    for (const stop of this.unwatch || []) stop();
    this.unwatch = null;
    if (this.callId) this.owner = false;
    this.local.stop();
    for (const el of [this.remote, this.screen, this.localVideo, this.sound]) el.srcObject = null;
    this.mic.setAttribute("aria-pressed", "false");
    this.camera.setAttribute("aria-pressed", "false");
    this.soundButton.hidden = true;
    this.status.replaceChildren();
    this.el.hidden = true;
  }

  destroy() {
    this.end();
    this.el.remove();
  }
}
