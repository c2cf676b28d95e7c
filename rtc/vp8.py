"""Read what the relay needs from a raw VP8 frame (RFC 6386 section 9.1): keyframe flag and picture
size."""

_START_CODE = b"\x9d\x01\x2a"


def is_keyframe(frame: bytes) -> bool:
    """Tell whether a depayloaded VP8 frame is a keyframe (P bit clear and a valid start code)."""
    return len(frame) >= 10 and not frame[0] & 0x01 and frame[3:6] == _START_CODE


def dimensions(frame: bytes) -> tuple[int, int] | None:
    """Return (width, height) from a VP8 keyframe, or None for an interframe."""
    if not is_keyframe(frame):
        return None
    width = int.from_bytes(frame[6:8], "little") & 0x3FFF
    height = int.from_bytes(frame[8:10], "little") & 0x3FFF
    if not width or not height:
        return None
    return width, height
