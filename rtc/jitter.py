"""Bound how long aiortc's video jitter buffer waits for a missing packet.

aiortc's JitterBuffer only releases frames in sequence, and NACKs a gap once: if the retransmission
is lost too, it waits until 512 packets have piled up behind the gap (seconds of frozen video).
After MAX_WAIT with a gap at the head, drop the incomplete frame so the complete frames behind it
flow; the caller then holds its viewers for a keyframe and asks for one.
"""

# Long enough for two or three NACK/retransmission round trips on a real network.
MAX_WAIT = 0.4


def first_gap(jitter) -> int | None:
    """Return the offset of the first missing packet when packets wait behind it, else None."""
    packets, origin, capacity = jitter._packets, jitter._origin, jitter._capacity
    if origin is None:
        return None
    gap = None
    for offset in range(capacity):
        if packets[(origin + offset) % capacity] is None:
            if gap is None:
                gap = offset
        elif gap is not None:
            return gap
    return None


class StallBreaker:
    """Watch one jitter buffer; `check()` after each packet drops the head frame once it waited too
    long.

    Cheap per packet: it only scans the buffer when the head has not moved for MAX_WAIT.
    """

    def __init__(self, max_wait: float = MAX_WAIT) -> None:
        self.max_wait = max_wait
        self.skipped = 0
        self._origin: int | None = None
        self._since = 0.0

    def check(self, jitter, now: float) -> bool:
        """Return True when it dropped the incomplete head frame of `jitter`."""
        if jitter._origin != self._origin:
            self._origin, self._since = jitter._origin, now
            return False
        if now - self._since < self.max_wait:
            return False
        self._since = now
        gap = first_gap(jitter)
        if gap is None:  # a slow source (a static screen share), not a missing packet
            return False
        jitter.smart_remove(gap + 1)
        self._origin = jitter._origin
        self.skipped += 1
        return True
