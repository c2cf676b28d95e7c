"""Measuring what a browser receives in a call: decoded frames and audio samples from getStats, per
m-line (0 microphone, 1 camera, 2 screen), and frames presented by a <video> element."""

import time

# Installed before any page script: remember every RTCPeerConnection the page makes, so a test can
# read its stats.
TRACK_PEERS = """
(() => {
  const Original = window.RTCPeerConnection;
  window.__peers = [];
  window.RTCPeerConnection = class extends Original {
    constructor(...args) {
      super(...args);
      window.__peers.push(this);
    }
  };
})();
"""

_INBOUND = """
async () => {
  const live = window.__peers.filter((pc) => pc.connectionState !== "closed");
  const pc = live[live.length - 1];
  if (!pc) return null;
  const out = {};
  (await pc.getStats()).forEach((s) => {
    if (s.type === "inbound-rtp" && s.mid !== undefined) {
      out[s.mid] = {frames: s.framesDecoded || 0, packets: s.packetsReceived || 0,
        samples: s.totalSamplesReceived || 0, energy: s.totalAudioEnergy || 0};
    }
  });
  return {state: pc.connectionState, peers: window.__peers.length, inbound: out};
}
"""


def inbound(page):
    """Return {state, peers, inbound: {mid: {frames, packets, samples, energy}}} of the page's
    newest open connection, or None when it has none."""
    return page.evaluate(_INBOUND)


def counter(page, mid, field):
    """Return the current value of one inbound counter (0 before the connection has it)."""
    stats = inbound(page)
    if not stats:
        return 0
    return stats["inbound"].get(mid, {}).get(field, 0)


def wait_growth(page, mid, field, amount, timeout=30.0, what=""):
    """Wait until counter (mid, field) has grown by amount from now; return the new value."""
    start = counter(page, mid, field)
    deadline = time.monotonic() + timeout
    while True:
        now = counter(page, mid, field)
        if now - start >= amount:
            return now
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{what or field} on m-line {mid} grew {now - start} < {amount} in {timeout}s: "
                f"{inbound(page)}"
            )
        time.sleep(0.2)


def growth_over(page, mid, field, seconds):
    """Return how much counter (mid, field) grows over the next seconds."""
    start = counter(page, mid, field)
    time.sleep(seconds)
    return counter(page, mid, field) - start


def presented(locator, seconds):
    """Count the frames a <video> element presents over the next seconds
    (requestVideoFrameCallback)."""
    return locator.evaluate(
        """(video, ms) => new Promise((resolve) => {
      let n = 0;
      const tick = () => { n += 1; video.requestVideoFrameCallback(tick); };
      video.requestVideoFrameCallback(tick);
      setTimeout(() => resolve(n), ms);
    })""",
        int(seconds * 1000),
    )


def open_peers(page):
    """How many of the page's connections are not closed."""
    return page.evaluate("window.__peers.filter((pc) => pc.connectionState !== 'closed').length")
