"""The agent console driven through its data-testid hooks, and servers of the console tests' own."""

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.support import ServerProcess

TIMEOUT = 10_000  # ms: every wait is on a condition; this is only the ceiling
# Many logins and page loads per module come from 127.0.0.1: the limits must not be what a test
# measures.
CONSOLE_ENV = {
    "ZHENGNA_HTTP_RATE_LIMIT": "100000 per minute",
    "ZHENGNA_WS_HANDSHAKE_RATE_LIMIT": "100000 per minute",
    "ZHENGNA_LOGIN_RATE_LIMIT": "100000 per minute",
    "ZHENGNA_LOGIN_FREE_FAILURES": "100000",
}
PASSWORDS = {
    "agent1": "agent1-demo",
    "agent2": "agent2-demo",
    "super1": "super1-demo",
    "admin1": "admin1-demo",
}


def start_server(tmp_path_factory, **env):
    """Start a server.py with the console limits (and env) on a free port, its own data dir."""
    return ServerProcess(tmp_path_factory.mktemp("console") / "data", env={**CONSOLE_ENV, **env})


@pytest.fixture(scope="module")
def console_server(tmp_path_factory):
    """A server of this test module's own: its queue and agents are not shared with other
    modules."""
    proc = start_server(tmp_path_factory)
    yield proc
    proc.stop()


class Console:
    """One agent's browser tab on /console."""

    def __init__(self, page, server):
        self.page, self.server = page, server
        self.errors = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    @classmethod
    def login(cls, context, server, username, password=None, wait=True):
        """Open /console in a new tab of context and sign in; wait until the live socket is open."""
        console = cls(context.new_page(), server)
        console.page.goto(server.url + "/console")
        console.sign_in(username, password or PASSWORDS[username])
        if wait:
            console.wait_connected()
        return console

    def sign_in(self, username, password):
        self.tid("console-login-user").fill(username)
        self.tid("console-login-password").fill(password)
        self.tid("console-login-submit").click()

    def wait_connected(self):
        expect(self.tid("console-connection")).to_have_attribute(
            "data-state", "open", timeout=TIMEOUT
        )
        return self

    def tid(self, name, **attrs):
        """Locate by data-testid (and data-* attributes given as keyword arguments)."""
        extra = "".join(f'[data-{k.replace("_", "-")}="{v}"]' for k, v in attrs.items())
        return self.page.locator(f'[data-testid="{name}"]{extra}')

    @property
    def agent_id(self):
        return self.page.locator("#console").get_attribute("data-agent")

    def queue_item(self, iid):
        return self.tid("console-queue-item", interaction_id=iid)

    def conversation(self, iid):
        return self.tid("console-conversation", interaction_id=iid)

    def accept(self, iid):
        """Press 接入 on a queue item and wait for its conversation to be open and ours."""
        item = self.queue_item(iid)
        expect(item).to_be_visible(timeout=TIMEOUT)
        item.locator('[data-testid="console-accept"]').click()
        conv = self.conversation(iid)
        expect(conv).to_have_attribute("data-mine", "true", timeout=TIMEOUT)
        expect(conv).to_be_visible()
        return conv

    def inside(self, iid, name, **attrs):
        """Locate a hook inside one conversation."""
        extra = "".join(f'[data-{k.replace("_", "-")}="{v}"]' for k, v in attrs.items())
        return self.conversation(iid).locator(f'[data-testid="{name}"]{extra}')

    def say(self, iid, text):
        """Type a reply into the conversation's box and press Enter."""
        box = self.inside(iid, "console-input")
        box.fill(text)
        box.press("Enter")

    def notice(self, code):
        return self.tid("console-notice", code=code)

    def assert_clean(self):
        assert not self.errors, self.errors


def api_session(server, username, password=None):
    """A requests session logged in to the console API, with its CSRF header set."""
    http = requests.Session()
    page = http.get(server.url + "/console").text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = http.post(
        server.url + "/console/login",
        headers={"X-CSRFToken": csrf},
        json={"username": username, "password": password or PASSWORDS[username]},
    )
    response.raise_for_status()
    http.headers["X-CSRFToken"] = response.json()["csrf_token"]
    return http


def restart_on_same_port(server):
    """Stop server and start a new server.py on its port and data dir (sessions and data survive);
    return it."""
    import tests.support as support

    server.stop()
    original = support.free_port
    support.free_port = lambda: server.port
    try:
        return ServerProcess(server.data_dir, env=server.env)
    finally:
        support.free_port = original
