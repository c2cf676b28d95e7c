"""A taxpayer's page with the widget, driven only through data-testid hooks (Playwright CSS pierces
the shadow root)."""

import re
import time
from contextlib import contextmanager
from urllib.parse import urlencode

from playwright.sync_api import expect

from tests.support import agent

TIMEOUT = 20_000  # ms: every wait is on a condition; this is only the ceiling


class Widget:
    """One taxpayer tab on the demo host page."""

    def __init__(self, page, server):
        self.page, self.server = page, server
        self.errors, self.console = [], []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        page.on(
            "dialog",
            lambda dialog: self.errors.append(f"dialog: {dialog.message}") or dialog.dismiss(),
        )

    @classmethod
    def load(cls, context, server, tin, region="4401", name="测试开票员", **params):
        """Open the demo page in a new tab of context for this identity; extra params go into the
        query."""
        widget = cls(context.new_page(), server)
        widget.goto(tin, region, name, **params)
        return widget

    def goto(self, tin, region="4401", name="测试开票员", launcher=True, **params):
        """Load the demo page; wait for the launcher unless launcher=False (the page opens the
        window itself)."""
        query = {"region": region, "taxpayer": tin, "name": name, **params}
        self.page.goto(f"{self.server.url}/demo?{urlencode(query)}")
        if launcher:
            expect(self.tid("zn-launcher")).to_be_visible(timeout=TIMEOUT)
        return self

    def tid(self, name, **attrs):
        """Locate by data-testid (and data-* attributes given as keyword arguments)."""
        extra = "".join(f'[data-{k.replace("_", "-")}="{v}"]' for k, v in attrs.items())
        return self.page.locator(f'[data-testid="{name}"]{extra}')

    @property
    def panel(self):
        return self.tid("zn-panel")

    def open(self, state=None):
        """Click the launcher; wait until the window is connected (and in state, if given)."""
        self.tid("zn-launcher").click()
        expect(self.panel).to_be_visible(timeout=TIMEOUT)
        expect(self.panel).not_to_have_attribute("data-state", "connecting", timeout=TIMEOUT)
        if state:
            expect(self.panel).to_have_attribute("data-state", state, timeout=TIMEOUT)
        return self

    def ask(self, text):
        """Type text into the input and press Enter."""
        self.tid("zn-input").fill(text)
        self.tid("zn-input").press("Enter")

    def messages(self, sender):
        return self.tid("zn-message", **{"from": sender})

    def bot_reply(self, count):
        """Wait for the count-th bot message from the server (the local greeting has no seq) and
        return it."""
        replies = self.page.locator('[data-testid="zn-message"][data-from="bot"][data-seq]')
        expect(replies).to_have_count(count, timeout=TIMEOUT)
        return replies.nth(count - 1)

    def interaction_id(self):
        expect(self.panel).to_have_attribute(
            "data-interaction-id", re.compile(r".+"), timeout=TIMEOUT
        )
        return self.panel.get_attribute("data-interaction-id")

    def request_human(self):
        """Press 发起人工导税 and wait until queued; return the interaction id."""
        self.tid("zn-request-human").click()
        expect(self.panel).to_have_attribute("data-state", "queued", timeout=TIMEOUT)
        return self.interaction_id()

    def assert_clean(self):
        """No uncaught error, no dialog, no CSP violation in the console."""
        assert not self.errors, self.errors
        bad = [
            line
            for line in self.console
            if "Content Security Policy" in line or "Refused to" in line
        ]
        assert not bad, bad


class Agent:
    """A scripted agent on the agent WebSocket (tests.support.agent)."""

    def __init__(self, server, username="agent1", password="agent1-demo"):
        self.ws, self.hello = agent(server, username, password)
        self.name = self.hello["agent"]["name"]

    def accept(self, iid):
        answer = self.ws.reply(
            self.ws.request({"type": "interaction.accept", "interaction_id": iid})
        )
        assert answer["type"] == "reply", answer
        return answer

    def say(self, iid, text):
        answer = self.ws.reply(
            self.ws.request({"type": "message.send", "interaction_id": iid, "text": text})
        )
        assert answer["type"] == "reply", answer
        return answer["seq"]

    def typing(self, iid, on):
        self.ws.send({"type": "typing", "interaction_id": iid, "on": on})

    def read(self, iid, seq):
        self.ws.send({"type": "read", "interaction_id": iid, "seq": seq})

    def end(self, iid):
        answer = self.ws.reply(
            self.ws.request(
                {"type": "interaction.end", "interaction_id": iid, "category": "发票开具"}
            )
        )
        assert answer["type"] == "reply", answer

    def taxpayer_message(self, iid, timeout=20):
        return self.ws.message(iid, "taxpayer", timeout)["message"]

    def close(self):
        self.ws.close()


@contextmanager
def store_of(server):
    """The server's store, disposed afterwards."""
    store = server.store()
    try:
        yield store
    finally:
        store.dispose()


def eventually(check, timeout=20.0, what="condition"):
    """Poll check() (a condition on the server's store) until it returns something truthy; return
    that."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {timeout}s")
        time.sleep(0.05)


def interaction_state(server, iid):
    with store_of(server) as store:
        return store.conversations.get_interaction(iid).state


def bot_outcomes(server, iid):
    """Return the bot blocks of the interaction's stored bot messages, in order."""
    with store_of(server) as store:
        return [
            e["payload"]["bot"]
            for e in store.conversations.events_after(iid, 0, 500)
            if e["payload"].get("bot")
        ]
