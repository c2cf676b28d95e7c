"""A secret kept in a file: read only if nobody but its owner may read it (0600 or stricter)."""

import os
import stat


def read_secret(path: str) -> str:
    """Return the stripped contents of path; raise ValueError if the file is readable by group or
    others, or empty."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        raise ValueError(f"{path} is readable by others (mode {mode:o}); chmod 600 it")
    with open(path) as handle:
        secret = handle.read().strip()
    if not secret:
        raise ValueError(f"{path} is empty")
    return secret
