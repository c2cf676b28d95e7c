"""Attachments: checked by their content (not their name), stored in the data dir, indexed in the
store."""

import hashlib
import io
from pathlib import Path

import filetype
from PIL import Image, UnidentifiedImageError

from .errors import ZhengnaError

MAX_BYTES = 10 * 1024 * 1024  # 10 MB: a phone photo or a scanned multi-page PDF
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
ALLOWED = IMAGE_TYPES | {"application/pdf"}
_MAX_PIXELS = 40_000_000  # refuse decompression bombs well before Pillow's own warning


def check(data):
    """Return the content type of an acceptable upload, judged from its bytes; raise otherwise."""
    if not data:
        raise ZhengnaError("empty_file")
    if len(data) > MAX_BYTES:
        raise ZhengnaError("too_large.file", mb=MAX_BYTES // (1024 * 1024))
    kind = filetype.guess(data)
    content_type = kind.mime if kind else None
    if content_type not in ALLOWED:
        raise ZhengnaError("unsupported_type")
    if content_type in IMAGE_TYPES:
        _check_image(data)
    elif b"%%EOF" not in data[-2048:]:
        raise ZhengnaError("damaged_file.pdf")
    return content_type


def _check_image(data):
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > _MAX_PIXELS:
                raise ZhengnaError("too_large.image")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ZhengnaError("damaged_file.image") from None


def clean_name(name, content_type):
    """Return a display name without paths or control characters, with a fitting extension."""
    name = Path((name or "").replace("\\", "/")).name
    name = (
        "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/|?*')[:120].strip()
        or "file"
    )
    extension = {
        "image/png": ".png",
        "image/jpeg": ".jpg",
        "image/gif": ".gif",
        "image/webp": ".webp",
        "application/pdf": ".pdf",
    }[content_type]
    return (
        name
        if name.lower().endswith(extension)
        or (extension == ".jpg" and name.lower().endswith(".jpeg"))
        else name + extension
    )


def save(directory, attachment_id, data):
    """Write the bytes under the data dir; return their SHA-256."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / attachment_id).write_bytes(data)
    return hashlib.sha256(data).hexdigest()
