// @ts-check
// The taxpayer's video call (发起视频): imported only when a call is first needed. It asks once before starting
// (是否发起视频聊天, with what is recorded, why and for how long), opens the camera before ringing the agent (so a
// missing or refused camera is said at once), shows the call area, and runs the media link to the worker. While
// sharing, the call area shows what is shared; hidden chat shrinks the window to the call alone. Only the tab
// that started the call carries its media (a reload of that tab rejoins); other tabs just say where it is.
import { ERROR, LOCAL_ERROR } from "../shared/codes.js";
import { h, icon } from "../shared/dom.js";
import { confirmDialog } from "./confirm.js";
import { errorText } from "./i18n.js";
import "./calltext.js";
import { LocalMedia, MediaLink, mediaProblem, watchPicture } from "./peer.js";

const ICON = {
  mic: "M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.92V21h2v-3.08A7 7 0 0 0 19 11z",
  camera:
    "M17 10.5V7a1 1 0 0 0-1-1H4a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-3.5l4 4v-11z",
  screen:
    "M20 18a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2H4a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2H0v2h24v-2zM4 6h16v10H4z",
  chat: "M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2z",
  hangup:
    "M12 9c-1.6 0-3.15.25-4.6.72v3.1c0 .39-.23.74-.56.9-.98.49-1.87 1.12-2.66 1.85a1 1 0 0 1-1.41-.01L.29 13.08a1 1 0 0 1 0-1.41C3.34 8.78 7.46 7 12 7s8.66 1.78 11.71 4.67a1 1 0 0 1 0 1.41l-2.48 2.48a1 1 0 0 1-1.41.01 11.4 11.4 0 0 0-2.67-1.85 1 1 0 0 1-.56-.9v-3.1A15 15 0 0 0 12 9z",
};

const CSS = `
.zn-video{flex:none;display:flex;flex-direction:column;background:#0f1720;color:#fff}
.zn-panel[data-compact=true]{width:300px;height:auto}
.zn-panel[data-compact=true] .zn-messages,.zn-panel[data-compact=true] .zn-typing-slot,
.zn-panel[data-compact=true] .zn-actions,.zn-panel[data-compact=true] .zn-composer,
.zn-panel[data-compact=true] .zn-history,.zn-panel[data-compact=true] [data-testid=zn-history]{display:none}
.zn-stage{position:relative;aspect-ratio:4/3;max-height:260px;background:#000;overflow:hidden}
.zn-stage video{display:block;width:100%;height:100%;object-fit:contain;background:#000}
.zn-stage .zn-pip,.zn-stage[data-sharing] .zn-remote{position:absolute;right:8px;bottom:8px;z-index:1;width:30%;
  height:auto;aspect-ratio:4/3;border:2px solid #fff;border-radius:6px;object-fit:cover}
.zn-stage[data-sharing] .zn-pip{display:none}
.zn-video[data-call=requested] .zn-remote{visibility:hidden}
.zn-video[data-call=requested] .zn-pip{position:static;width:100%;height:100%;border:0;border-radius:0}
.zn-stage[data-sharing] .zn-no-picture{display:none}
.zn-call-status{position:absolute;left:8px;right:8px;top:8px;padding:4px 8px;border-radius:6px;
  background:rgba(0,0,0,.6);font-size:.85em;text-align:center}
.zn-call-status:empty{display:none}
.zn-remote[data-receiving=false]{opacity:.3}
.zn-no-picture{position:absolute;left:0;right:0;top:45%;text-align:center;font-weight:600;text-shadow:0 1px 2px #000}
.zn-rec{position:absolute;left:8px;bottom:8px;padding:2px 8px;border-radius:10px;background:rgba(179,38,30,.9);
  font-size:.75em}
.zn-video[data-call=requested] .zn-rec{display:none}
.zn-call-bar{display:flex;justify-content:space-around;gap:4px;padding:6px 4px}
.zn-call-btn{all:unset;box-sizing:border-box;display:flex;flex-direction:column;align-items:center;gap:2px;min-width:56px;
  padding:4px;border-radius:6px;cursor:pointer;font-size:.72em;line-height:1.2;text-align:center;color:#fff}
.zn-call-btn svg{width:22px;height:22px;fill:currentColor}
.zn-panel[data-compact=true] .zn-call-btn{flex:1;min-width:0}
.zn-call-btn:hover{background:rgba(255,255,255,.15)}
.zn-call-btn:focus-visible{outline:3px solid #f5b400;outline-offset:1px}
.zn-call-btn[aria-pressed=true]{background:#f5f5f5;color:#0f1720}
.zn-call-btn.zn-hangup svg{fill:#ff6b61}
`;

let sheet = null;

function callSheet() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  return sheet;
}

const PROBLEM_KEYS = {
  "no-device": "camNoDevice",
  denied: "camDenied",
  busy: "camBusy",
  insecure: "camInsecure",
  other: "camOther",
};

export class VideoCall {
  /** app: the window's controller (socket, t, cfg, toast, parts, ctx.shadow, auth, key). */
  constructor(app) {
    this.app = app;
    this.t = app.t;
    this.iid = null;
    this.callId = null;
    this.state = "none";
    this.link = null;
    this.local = new LocalMedia();
    this.screenTrack = null;
    this.starting = false;
    const shadow = app.ctx.shadow;
    if (!shadow.adoptedStyleSheets.includes(callSheet())) {
      shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, callSheet()];
    }
    this.build();
  }

  build() {
    const button = (tid, key, d, handler, pressed) =>
      h(
        "button",
        {
          cls: "zn-call-btn",
          tid,
          attrs: { type: "button", "aria-pressed": pressed ? "false" : null },
          on: { click: handler },
        },
        [icon(d), h("span", { t: key })],
      );
    this.remote = h("video", {
      cls: "zn-remote",
      tid: "zn-remote-video",
      attrs: { autoplay: true, playsinline: true, muted: true },
      ta: { "aria-label": "remoteVideo" },
    });
    this.remote.muted = true; // pictures only: the sound plays in its own element, so autoplay never blocks video
    this.localVideo = h("video", {
      cls: "zn-pip",
      tid: "zn-local-video",
      attrs: { autoplay: true, playsinline: true, muted: true },
      ta: { "aria-label": "localVideo" },
    });
    this.localVideo.muted = true;
    this.screenPreview = h("video", {
      cls: "zn-screen",
      tid: "zn-screen-preview",
      attrs: { autoplay: true, playsinline: true, muted: true },
      ta: { "aria-label": "screenPreview" },
    });
    this.screenPreview.muted = true;
    this.screenPreview.hidden = true;
    this.sound = h("audio", { attrs: { autoplay: true } });
    this.sound.hidden = true;
    this.status = h("div", {
      cls: "zn-call-status",
      tid: "zn-call-status",
      attrs: { role: "status" },
    });
    this.rec = h("span", { cls: "zn-rec", t: "recording" });
    this.soundButton = h("button", {
      cls: "zn-btn",
      tid: "zn-enable-sound",
      attrs: { type: "button" },
      t: "enableSound",
      on: { click: () => this.playSound() },
    });
    this.soundButton.hidden = true;
    this.mic = button("zn-mute-mic", "muteMic", ICON.mic, () => this.toggleMic(), true);
    this.camera = button(
      "zn-mute-camera",
      "muteCamera",
      ICON.camera,
      () => this.toggleCamera(),
      true,
    );
    this.share = button(
      "zn-share-screen",
      "shareScreen",
      ICON.screen,
      () => this.toggleScreen(),
      true,
    );
    this.hideChat = button("zn-hide-chat", "hideChat", ICON.chat, () => this.chatClicked(), true);
    this.hangup = button(
      "zn-call-close",
      "closeVideo",
      ICON.hangup,
      () => this.closeClicked(),
      false,
    );
    this.hangup.classList.add("zn-hangup");
    this.hangup.hidden = true; // only in the compact window: otherwise 关闭视频 sits in the chat's action row
    this.bar = h(
      "div",
      { cls: "zn-call-bar", attrs: { role: "toolbar" }, ta: { "aria-label": "callControls" } },
      [this.mic, this.camera, this.share, this.hideChat, this.hangup],
    );
    this.stage = h("div", { cls: "zn-stage" }, [
      this.screenPreview,
      this.remote,
      this.localVideo,
      this.status,
      this.rec,
    ]);
    this.el = h(
      "section",
      { cls: "zn-video", tid: "zn-video", ta: { "aria-label": "videoArea" } },
      [this.stage, this.soundButton, this.sound, this.bar],
    );
    this.closeLabel = h("span", { t: "closeVideo" });
    this.close = h(
      "button",
      {
        cls: "zn-btn zn-secondary",
        tid: "zn-close-video",
        attrs: { type: "button" },
        on: { click: () => this.closeClicked() },
      },
      [icon(ICON.hangup), this.closeLabel],
    );
    this.closeRow = h("div", { cls: "zn-row" }, [this.close]);
    this.el.hidden = true;
    const parts = this.app.parts;
    parts.panel.insertBefore(this.el, parts.messages);
    this.noPicture = h("div", { cls: "zn-no-picture", t: "noPicture" });
    this.noPicture.hidden = true;
    this.remote.after(this.noPicture);
    this.unwatch = null;
  }

  /** A flag of this tab for the current call, kept in sessionStorage across a reload (null: storage refused). */
  storedFlag(name) {
    try {
      return sessionStorage.getItem(this.app.key(`${name}:${this.callId}`)) === "1";
    } catch {
      return null;
    }
  }

  storeFlag(name, value) {
    const key = this.app.key(`${name}:${this.callId}`);
    try {
      if (value) sessionStorage.setItem(key, "1");
      else sessionStorage.removeItem(key);
    } catch {
      /* kept for this page only, if at all */
    }
  }

  /** Is this tab the one carrying the call's media (it started it, or is a reload of the one that did)? */
  get owner() {
    if (this.claim) return true; // this tab's request is on its way: its call.state may come before the reply
    if (!this.callId) return false;
    const kept = this.storedFlag("call");
    return kept === null ? Boolean(this.memoryOwner) : kept;
  }

  set owner(value) {
    this.memoryOwner = value; // for this page when sessionStorage is refused
    this.storeFlag("call", value);
  }

  /** 发起视频: one question (with the recording notice when calls are recorded), the camera, then ring the agent. */
  async begin(item) {
    const app = this.app;
    if (this.starting || item.call !== "none") return;
    this.starting = true;
    try {
      const recording = app.auth && app.auth.media && app.auth.media.recording;
      const details = [this.t("startVideoInfo")];
      if (recording) {
        details.push(
          this.t("recordingWhat"),
          this.t("recordingWhy", { days: recording.retention_days }),
          this.t("recordingConsent"),
        );
      }
      if (
        !(await confirmDialog(
          app.parts.panel,
          app.ctx.shadow,
          this.t,
          "start-video",
          this.t("startVideoAsk"),
          details,
        ))
      ) {
        app.toast(this.t("videoDeclined"));
        return;
      }
      if (!(await this.openLocal())) return;
      let reply;
      this.claim = true;
      try {
        reply = await app.socket.request(
          { type: "call.request", interaction_id: item.id },
          { timeoutMs: 15000 },
        );
      } catch (error) {
        this.claim = false;
        this.stopLocal();
        app.toast(
          error && error.code === LOCAL_ERROR.TIMEOUT
            ? this.t("timeout")
            : errorText(app.cfg, error),
        );
        return;
      }
      this.callId = reply.call_id;
      this.owner = true;
      this.claim = false;
      app.redraw();
    } finally {
      this.starting = false;
    }
  }

  /** Open the camera and microphone (or keep the open ones); say what went wrong in words a person can act on. */
  async openLocal() {
    try {
      this.localVideo.srcObject = await this.local.open();
    } catch (error) {
      this.app.toast(this.t(PROBLEM_KEYS[mediaProblem(error)]), 8000);
      return false;
    }
    return true;
  }

  stopLocal() {
    this.local.stop();
    this.localVideo.srcObject = null;
    this.stopScreen();
    for (const b of [this.mic, this.camera]) b.setAttribute("aria-pressed", "false");
  }

  /** Follow the interaction's call state (from the model): show, start or end the call here. */
  update(item) {
    const call = item && !this.app.readOnly ? item.call : "none";
    if (item && item.callId) this.callId = item.callId;
    if (call === "none") return this.starting ? undefined : this.end(); // begin() holds the camera it opened
    this.iid = item.id;
    this.state = call;
    this.el.hidden = false;
    this.el.setAttribute("data-call", call);
    const owner = this.owner;
    this.el.toggleAttribute("data-elsewhere", !owner);
    for (const b of [this.mic, this.camera, this.share, this.hideChat])
      b.hidden = call !== "active" || !owner;
    if (call !== "active" || !owner) this.toggleChat(false);
    else if (this.compactKept) this.toggleChat(true); // hidden before a reload of this tab
    if (!owner) {
      this.setStatus("videoElsewhere");
      return;
    }
    if (!this.local.stream && !this.opening) {
      this.opening = this.openLocal().then((ok) => {
        this.opening = null;
        if (ok) this.update(this.app.model.items.get(this.iid));
      });
      return;
    }
    if (!this.local.stream) return;
    if (call === "requested") this.setStatus("videoWaiting");
    if (call === "active" && !this.link) this.connect();
  }

  /** The chat window's action row during a call: 关闭视频 (取消视频 while ringing); null without a call. */
  actionRow(item) {
    if (!item || item.call === "none") return null;
    const key = item.call === "requested" ? "cancelVideo" : "closeVideo";
    this.closeLabel.setAttribute("data-zn-t", key);
    this.closeLabel.textContent = this.t(key);
    return this.closeRow;
  }

  connect() {
    const app = this.app,
      iid = this.iid;
    const media = (app.auth && app.auth.media) || {};
    this.link = new MediaLink({
      iceServers: media.ice_servers || [],
      screen: "sendonly",
      signal: (sdp, restart) =>
        app.socket
          .request({ type: "rtc.offer", interaction_id: iid, sdp, restart }, { timeoutMs: 20000 })
          .then((answer) => answer.sdp),
      onRemote: (tracks) => this.showRemote(tracks),
      onState: (state, error) => this.linkState(state, error),
    });
    this.link.tracks = { ...this.local.tracks(), screen: this.screenTrack };
    this.link.connect();
  }

  showRemote(tracks) {
    // the agent's picture that stops coming (camera off, link down) says so instead of freezing
    this.unwatch =
      this.unwatch ||
      watchPicture(this.remote, (on) => {
        this.remote.setAttribute("data-receiving", String(on));
        this.noPicture.hidden = on || this.state !== "active";
      });
    this.remote.srcObject = new MediaStream([tracks.camera]);
    this.sound.srcObject = new MediaStream([tracks.audio]);
    this.playSound();
  }

  playSound() {
    const played = this.sound.play();
    if (played && played.then) {
      played.then(
        () => {
          this.soundButton.hidden = true;
        },
        () => {
          this.soundButton.hidden = false;
        },
      );
    }
  }

  linkState(state, error) {
    if (state === "connected") this.setStatus(null);
    else if (state === "connecting") this.setStatus("videoConnecting");
    else if (state === "reconnecting") this.setStatus("videoReconnecting");
    else if (state === "failed") {
      this.setStatus("videoFailed");
      if (error && error.code) this.app.toast(errorText(this.app.cfg, error));
    }
  }

  /** call.media from the server: how each side's media connection is doing. */
  media(frame) {
    if (frame.interaction_id !== this.iid || this.state !== "active" || !this.owner) return;
    if (frame.role === "taxpayer" && frame.state === "failed" && this.link) this.link.restart();
    if (frame.role === "agent") {
      if (frame.state === "connected") this.setStatus(null);
      else this.setStatus("agentMediaLost");
    }
  }

  setStatus(key) {
    if (!key) {
      this.status.textContent = "";
      this.status.removeAttribute("data-zn-t");
    } else {
      this.status.setAttribute("data-zn-t", key);
      this.status.textContent = this.t(key);
    }
  }

  toggleMic() {
    const off = this.link && this.local.toggleMic(this.link);
    if (off !== null && off !== undefined) this.mic.setAttribute("aria-pressed", String(off));
  }

  async toggleCamera() {
    if (!this.link) return;
    try {
      const off = await this.local.toggleCamera(this.link);
      this.camera.setAttribute("aria-pressed", String(off));
      if (!off) this.localVideo.srcObject = this.local.stream;
    } catch (error) {
      this.app.toast(this.t(PROBLEM_KEYS[mediaProblem(error)]), 8000);
    }
  }

  /** 屏幕共享: the privacy warning first; the share goes on its own m-line, no renegotiation. */
  async toggleScreen() {
    if (!this.link) return;
    if (this.screenTrack) return this.stopScreen();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia) {
      this.app.toast(this.t("screenUnsupported"));
      return;
    }
    const app = this.app;
    if (
      !(await confirmDialog(
        app.parts.panel,
        app.ctx.shadow,
        this.t,
        "share-screen",
        this.t("shareAsk"),
      ))
    )
      return;
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({
        video: { frameRate: { ideal: 10, max: 15 } },
        audio: false,
      });
    } catch (error) {
      app.toast(
        this.t(error && error.name === "NotAllowedError" ? "shareCancelled" : "shareFailed"),
      );
      return;
    }
    if (!this.link) {
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    const [track] = stream.getVideoTracks();
    track.contentHint = "detail";
    track.addEventListener("ended", () => {
      if (this.screenTrack === track) this.stopScreen();
    });
    this.screenTrack = track;
    this.share.setAttribute("aria-pressed", "true");
    this.link.setTrack("screen", track);
    // what is shared fills the call area (as the agent sees it); the agent's camera goes small beside it
    this.screenPreview.srcObject = new MediaStream([track]);
    this.screenPreview.hidden = false;
    this.stage.setAttribute("data-sharing", "");
  }

  stopScreen() {
    const track = this.screenTrack;
    this.screenTrack = null;
    this.share.setAttribute("aria-pressed", "false");
    this.screenPreview.srcObject = null;
    this.screenPreview.hidden = true;
    this.stage.removeAttribute("data-sharing");
    if (track) track.stop();
    if (this.link) this.link.setTrack("screen", null);
  }

  /** The compact window as the taxpayer left it in this tab (kept across a reload, per call). */
  get compactKept() {
    return Boolean(this.callId) && this.storedFlag("call-compact") === true;
  }

  keepCompact(value) {
    if (this.callId) this.storeFlag("call-compact", value);
  }

  chatClicked() {
    this.toggleChat();
    this.keepCompact(this.app.parts.panel.getAttribute("data-compact") === "true");
  }

  /** 隐藏聊天: the window shrinks to the call alone (still draggable, with 隐藏聊天 and a hang-up); the call goes on. */
  toggleChat(force) {
    const panel = this.app.parts.panel;
    const compact = force === undefined ? panel.getAttribute("data-compact") !== "true" : force;
    if (compact === (panel.getAttribute("data-compact") === "true")) return;
    if (compact) panel.setAttribute("data-compact", "true");
    else panel.removeAttribute("data-compact");
    this.hideChat.setAttribute("aria-pressed", String(compact));
    this.hangup.hidden = !compact;
    this.app.mover.place(); // smaller or larger: keep it inside the viewport
  }

  async closeClicked() {
    const app = this.app;
    if (!this.iid || this.state === "none") return;
    const requested = this.state === "requested";
    if (
      !requested &&
      !(await confirmDialog(
        app.parts.panel,
        app.ctx.shadow,
        this.t,
        "close-video",
        this.t("closeVideoAsk"),
        [this.t("closeVideoInfo")],
      ))
    )
      return;
    const type = requested ? "call.cancel" : "call.hangup";
    try {
      await app.socket.request({ type, interaction_id: this.iid }, { timeoutMs: 15000 });
    } catch (error) {
      if (error && error.code === ERROR.ILLEGAL_TRANSITION) return; // it had already ended: the events say so
      app.toast(
        error && error.code === LOCAL_ERROR.TIMEOUT ? this.t("timeout") : errorText(app.cfg, error),
      );
    }
  }

  /** The call is over (or never was): release everything and give the window back to the chat. */
  end() {
    const focused = this.app.ctx.shadow.activeElement;
    if (this.link) this.link.close();
    this.link = null;
    if (this.unwatch) this.unwatch();
    this.unwatch = null;
    this.noPicture.hidden = true;
    if (this.callId && this.state !== "none") {
      this.owner = false;
      this.keepCompact(false);
    }
    this.stopLocal();
    this.remote.srcObject = null;
    this.sound.srcObject = null;
    this.soundButton.hidden = true;
    this.state = "none";
    this.el.hidden = true;
    this.el.removeAttribute("data-call");
    this.setStatus(null);
    this.toggleChat(false);
    if (focused && this.el.contains(focused)) this.app.focusStart(); // e.g. the compact window's hang-up
  }
}
