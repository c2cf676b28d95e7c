"""py-spy on a server during a benchmark's load window, and what its folded stacks say."""

import subprocess
from pathlib import Path


def start_profiler(path, pid, duration):
    """py-spy on the server for the load window, stacks folded into path (--profile)."""
    if not path:
        return None
    return subprocess.Popen(
        [
            "py-spy",
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(duration)),
            "--rate",
            "200",
        ]
        + ["--format", "raw", "--nonblocking", "--output", path],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def profile_summary(path, top=15):
    """Return the functions holding most samples in a folded py-spy profile: (share, name) by own
    samples and by samples under them."""
    own, under, total = {}, {}, 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():  # a line py-spy cut short as it was stopped
            continue
        frames = [
            frame.split(" (")[0] + " (" + frame.split(" (")[-1].split(":")[0] + ")"
            for frame in stack.split(";")
        ]
        total += int(count)
        own[frames[-1]] = own.get(frames[-1], 0) + int(count)
        for frame in set(frames):
            under[frame] = under.get(frame, 0) + int(count)

    def best(table):
        return [
            (round(100 * n / total, 1), name)
            for name, n in sorted(table.items(), key=lambda x: -x[1])[:top]
        ]

    return {"samples": total, "own": best(own), "under": best(under)}
