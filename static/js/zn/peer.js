// @ts-check
// One side's media connection to the media worker (shared by the widget and the console). Media never goes
// browser to browser: each browser holds one RTCPeerConnection to the worker, with three m-lines in the order
// the worker expects (microphone, camera, screen), Opus and VP8 only, and ICE gathered before the offer goes
// (the worker takes no trickled candidates). A re-offer (ICE restart, reload) always uses a fresh connection:
// the worker answers it from a new connection of its own.

const GATHER_MS = 3000; // longest wait for ICE candidates before the offer goes with what it has
const DISCONNECTED_MS = 4000; // "disconnected" this long counts as dropped: restart ICE
const RETRIES = [1000, 2000, 4000, 8000, 15000]; // delays between restart attempts, then give up

/** The media errors a person can act on: "no-device", "denied", "busy", "insecure" or "other". */
export function mediaProblem(error) {
  const name = error && error.name;
  if (name === "NotFoundError" || name === "OverconstrainedError") return "no-device";
  if (name === "NotAllowedError" || name === "SecurityError") return "denied";
  if (name === "NotReadableError" || name === "AbortError") return "busy";
  if (name === "TypeError" && !window.isSecureContext) return "insecure";
  return "other";
}

/** Ask for the camera and microphone (rejects with the browser's error; see mediaProblem). */
export function openCamera(audio = true) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return Promise.reject(
      Object.assign(new Error("no mediaDevices"), {
        name: window.isSecureContext ? "NotFoundError" : "TypeError",
      }),
    );
  }
  return navigator.mediaDevices.getUserMedia({
    audio: audio ? { echoCancellation: true, noiseSuppression: true } : false,
    video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 20, max: 30 } },
  });
}

/** One side's camera and microphone, and their switches: microphone off sends nothing, camera off stops the camera
(its light goes out) and camera on opens it again. */
export class LocalMedia {
  constructor() {
    this.stream = null;
    this.micOff = false;
    this.cameraOff = false;
  }

  /** Open the camera and microphone (rejects with the browser's error: see mediaProblem). */
  async open() {
    if (!this.stream) {
      this.stream = await openCamera();
      this.micOff = this.cameraOff = false;
    }
    return this.stream;
  }

  /** The tracks to send now: {mic, camera}, null where switched off or missing. */
  tracks() {
    const stream = this.stream;
    const mic = stream && stream.getAudioTracks()[0],
      camera = stream && stream.getVideoTracks()[0];
    return {
      mic: this.micOff ? null : mic || null,
      camera: this.cameraOff ? null : camera || null,
    };
  }

  /** Switch the microphone; return whether it is off now (null without one). */
  toggleMic(link) {
    const track = this.stream && this.stream.getAudioTracks()[0];
    if (!track) return null;
    this.micOff = !this.micOff;
    track.enabled = !this.micOff;
    link.setTrack("mic", this.micOff ? null : track);
    return this.micOff;
  }

  /** Switch the camera; return whether it is off now. Rejects (camera still off) if it cannot open again. */
  async toggleCamera(link) {
    if (!this.cameraOff) {
      this.cameraOff = true;
      await link.setTrack("camera", null);
      for (const track of this.stream ? this.stream.getVideoTracks() : []) {
        track.stop();
        this.stream.removeTrack(track);
      }
      return true;
    }
    const [track] = (await openCamera(false)).getVideoTracks();
    if (!this.stream) this.stream = new MediaStream();
    this.stream.addTrack(track);
    this.cameraOff = false;
    await link.setTrack("camera", track);
    return false;
  }

  stop() {
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.micOff = this.cameraOff = false;
  }
}

/**
 * Tell whether pictures are arriving in a <video>: onChange(true | false) when frames start or stop (none for
 * STALL_MS: a camera switched off, a share stopped, a dropped link), so a page shows "no picture" rather than a
 * frozen last frame. Returns a function that stops watching.
 */
export function watchPicture(video, onChange) {
  const STALL_MS = 2000;
  let last = 0,
    receiving = null,
    handle = 0,
    stopped = false;
  const frame = () => {
    last = performance.now();
    if (!stopped) handle = video.requestVideoFrameCallback(frame);
  };
  const check = () => {
    const now = last > 0 && performance.now() - last < STALL_MS;
    if (now !== receiving) onChange((receiving = now));
  };
  if (video.requestVideoFrameCallback) handle = video.requestVideoFrameCallback(frame);
  const timer = setInterval(check, 500);
  return () => {
    stopped = true;
    clearInterval(timer);
    if (video.cancelVideoFrameCallback) video.cancelVideoFrameCallback(handle);
  };
}

function prefer(transceiver, kind, mime) {
  if (!transceiver.setCodecPreferences || !RTCRtpReceiver.getCapabilities) return;
  const caps = RTCRtpReceiver.getCapabilities(kind);
  if (!caps) return;
  const codecs = caps.codecs.filter(
    (c) =>
      c.mimeType.toLowerCase() === mime ||
      (kind === "video" && c.mimeType.toLowerCase() === "video/rtx"),
  );
  try {
    transceiver.setCodecPreferences(codecs);
  } catch {
    /* the worker's answer still picks VP8/Opus */
  }
}

/**
 * Resolve once ICE gathering is complete, or after GATHER_MS with the candidates there are.
 * @param {RTCPeerConnection} pc
 * @returns {Promise<void>}
 */
function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState !== "complete") return;
      pc.removeEventListener("icegatheringstatechange", done);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      pc.removeEventListener("icegatheringstatechange", done);
      resolve();
    }, GATHER_MS);
    pc.addEventListener("icegatheringstatechange", done);
  });
}

export class MediaLink {
  /**
   * opts: iceServers, screen ("sendonly" for the taxpayer, "recvonly" for the agent),
   * signal(sdp, restart) -> Promise of the worker's answer sdp (restart: after a drop, so the other side is told), onRemote({audio, camera, screen} MediaStreamTracks),
   * onState("connecting" | "connected" | "reconnecting" | "failed").
   */
  constructor(opts) {
    this.opts = opts;
    this.tracks = { mic: null, camera: null, screen: null };
    this.pc = null;
    this.closed = false;
    this.attempt = 0;
    this.retryTimer = null;
    this.dropTimer = null;
    this.generation = 0;
  }

  /** Connect (or reconnect) with the current tracks: a fresh RTCPeerConnection and a new offer. */
  async connect() {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    clearTimeout(this.dropTimer);
    const generation = ++this.generation;
    const old = this.pc;
    const pc = new RTCPeerConnection({
      iceServers: this.opts.iceServers || [],
      bundlePolicy: "max-bundle",
    });
    this.pc = pc;
    this.opts.onState(this.attempt ? "reconnecting" : "connecting");
    const t = this.tracks;
    const mic = pc.addTransceiver(t.mic || "audio", { direction: "sendrecv" });
    const camera = pc.addTransceiver(t.camera || "video", { direction: "sendrecv" });
    const screen = pc.addTransceiver(t.screen || "video", { direction: this.opts.screen });
    prefer(mic, "audio", "audio/opus");
    prefer(camera, "video", "video/vp8");
    prefer(screen, "video", "video/vp8");
    this.senders = { mic: mic.sender, camera: camera.sender, screen: screen.sender };
    pc.addEventListener("connectionstatechange", () => this.watch(pc));
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      if (generation !== this.generation) return;
      const answer = await this.opts.signal(pc.localDescription.sdp, this.attempt > 0);
      if (generation !== this.generation || this.closed) return;
      await pc.setRemoteDescription({ type: "answer", sdp: answer });
    } catch (error) {
      if (generation !== this.generation || this.closed) return;
      pc.close();
      this.retry(error);
      return;
    }
    if (old) old.close();
    this.opts.onRemote({
      audio: mic.receiver.track,
      camera: camera.receiver.track,
      screen: this.opts.screen === "recvonly" ? screen.receiver.track : null,
    });
  }

  watch(pc) {
    if (pc !== this.pc || this.closed) return;
    const state = pc.connectionState;
    if (state === "connected") {
      clearTimeout(this.dropTimer);
      this.attempt = 0;
      this.opts.onState("connected");
    } else if (state === "disconnected") {
      clearTimeout(this.dropTimer);
      this.opts.onState("reconnecting");
      this.dropTimer = setTimeout(() => this.restart(), DISCONNECTED_MS);
    } else if (state === "failed") {
      this.restart();
    }
  }

  /** The media connection dropped (seen here or reported by the worker): try again on a fresh connection. */
  restart() {
    if (this.closed || this.retryTimer) return;
    this.retry(null);
  }

  retry(error) {
    if (this.attempt >= RETRIES.length) {
      this.opts.onState("failed", error);
      return;
    }
    const delay = RETRIES[this.attempt];
    this.attempt += 1;
    this.opts.onState("reconnecting", error);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  /** Put a track on the microphone, camera or screen slot (null empties it); no renegotiation. */
  setTrack(slot, track) {
    this.tracks[slot] = track;
    const sender = this.senders && this.senders[slot];
    if (sender && this.pc && this.pc.signalingState !== "closed") {
      return sender.replaceTrack(track).catch(() => {});
    }
    return Promise.resolve();
  }

  close() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.dropTimer);
    if (this.pc) this.pc.close();
    this.pc = null;
  }
}
