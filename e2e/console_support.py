"""The agent console driven through its data-testid hooks, and servers of the console tests' own."""

from playwright.sync_api import expect

from tests.support import DEMO_PASSWORDS, ServerProcess, settings_env

TIMEOUT = 10_000  # ms: every wait is on a condition; this is only the ceiling


def start_server(tmp_path_factory, **settings):
    """Start a server.py (limits lifted, ZHENGNA_<KEY>=value for each setting) on a free port with
    a data dir of its own; the caller stops it."""
    return ServerProcess(tmp_path_factory.mktemp("console") / "data", env=settings_env(**settings))


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
        console.sign_in(username, password or DEMO_PASSWORDS[username])
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


def admin_page(new_context, server, username="super1", section=""):
    """Sign username in on a new tab and open the admin page (at #section); wait for its board."""
    console = Console.login(new_context(), server, username)
    console.page.goto(server.url + "/console/admin" + (f"#{section}" if section else ""))
    expect(console.tid("console-board")).to_be_visible(timeout=TIMEOUT)
    return console


def restart_on_same_port(server):
    """Stop server and start a new server.py on its port and data dir (sessions and data survive);
    return it."""
    server.stop()
    return ServerProcess(server.data_dir, env=server.env, port=server.port)
