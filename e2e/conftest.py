"""Playwright fixtures: one Debian Chromium per run, a real server per module, a fresh context per
test, and the whole browser suite inside a network namespace that has only loopback (media must stay
on 127.0.0.1)."""

import ctypes
import fcntl
import itertools
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.support import serving, tin

E2E = Path(__file__).resolve().parent
CACHE = E2E / ".cache"
AXE = CACHE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("ZHENGNA_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]
_people = itertools.count(1)
# Conditions, not sleeps: this is only how long a condition may take on a loaded two-core machine.
expect.set_options(timeout=15_000)


CLONE_NEWNET = 0x40000000


def pytest_collection_modifyitems(items):
    """Run the browser tests after everything else: they leave the machine's network for a
    loopback-only one, where this machine's PostgreSQL and Redis (used by tests/) cannot be
    reached."""
    items.sort(key=lambda item: E2E in Path(str(item.fspath)).parents)


@pytest.fixture(scope="session", autouse=True)
def loopback_only(axe_path):
    """Move this test thread (and so every server, media worker and browser it starts) into a fresh
    network namespace with only loopback up; come back to the machine's network at the end of the
    run."""
    libc = ctypes.CDLL(None, use_errno=True)
    original = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    if libc.unshare(CLONE_NEWNET) != 0:
        os.close(original)
        raise OSError(
            ctypes.get_errno(),
            "the browser tests run in a loopback-only network namespace: "
            "unshare(CLONE_NEWNET) needs root (or CAP_SYS_ADMIN)",
        )
    try:
        subprocess.run(
            ["ip", "link", "set", "lo", "up"], check=True, capture_output=True, timeout=30
        )
        yield
    finally:
        if libc.setns(original, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "could not return to the machine's network namespace")
        os.close(original)


@pytest.fixture(scope="session")
def browser(loopback_only):
    """Debian's Chromium with fake media devices, shared by every test of the run."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real server.py (demo data) of this test module's own: queues do not leak between
    modules."""
    yield from serving(tmp_path_factory, "e2e")


@pytest.fixture
def person():
    """Return a fresh valid taxpayer id (统一社会信用代码) on every call."""
    return lambda: tin(next(_people))


@pytest.fixture
def new_context(browser):
    """Make browser contexts (one per actor); all are closed after the test."""
    made = []

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 800})
        options.setdefault("locale", "zh-CN")
        context = browser.new_context(**options)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def context(new_context):
    """A fresh browser context for this test."""
    return new_context()


@pytest.fixture(scope="session")
def axe_path():
    """Path of axe.min.js, installed from the npm registry into e2e/.cache on first use (under a
    file lock: each test worker asks for it, and only one may install)."""
    CACHE.mkdir(exist_ok=True)
    with open(CACHE / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not AXE.exists():
            _install_axe()
    assert AXE.exists(), "axe-core did not install"
    return str(AXE)


def _install_axe():
    subprocess.run(
        [
            "npm",
            "install",
            "--prefix",
            str(CACHE),
            "--no-save",
            "--no-audit",
            "--no-fund",
            "axe-core@4.14.1",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
