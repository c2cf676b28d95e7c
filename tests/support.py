"""Test helpers: a real server.py in a subprocess, the fixtures' server factory, WebSocket clients
for both roles, and the conversations most tests start from."""

import itertools
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

import requests
import simple_websocket

from rtc.ports import free_port
from widget.media import stop_process

ROOT = Path(__file__).resolve().parent.parent
_cids = itertools.count(1)
# The demo passwords the tests use: written into a test server's data dir before its first start
# (a real data dir gets random ones, see widget/demo.py); tests/integration/test_demo.py checks
# those.
DEMO_PASSWORDS = {name: f"{name}-demo" for name in ("agent1", "agent2", "super1", "admin1")}

# Every test talks from 127.0.0.1, many logins and page loads per module: the per-address limits
# are lifted except where a test checks them (it starts a server with its own). No media worker
# unless a test asks for one.
LIMITS = {
    "ZHENGNA_HTTP_RATE_LIMIT": "100000 per minute",
    "ZHENGNA_WS_HANDSHAKE_RATE_LIMIT": "100000 per minute",
    "ZHENGNA_WS_MAX_PER_ADDRESS": "100000",
    "ZHENGNA_LOGIN_RATE_LIMIT": "100000 per minute",
    "ZHENGNA_LOGIN_FREE_FAILURES": "100000",
    "ZHENGNA_RTC": "off",
}


# The other side: a second site, centre and region with a supervisor and an agent of their own,
# in the default test servers, so every door is tested from a centre that must not pass.
OTHER_SITE, OTHER_CENTRE, OTHER_REGION = "other", "east", "5101"
OTHER_ACCOUNTS = {"super2": "supervisor", "agent3": "agent"}  # password: <name>-other


def seed_other_side(data_dir, origins=("http://127.0.0.1:*",)):
    """Put the second site (key other-1), centre east (always open) and region 5101 (smart service
    on), a supervisor super2 and an agent agent3 into data_dir's database before a server starts."""
    from datetime import UTC, datetime

    from widget import accounts, config, open_store
    from widget.routing import ALL_DAY

    Path(data_dir).mkdir(parents=True, exist_ok=True)
    store = open_store(config.load({"DATA_DIR": str(data_dir)}))
    now = datetime.now(UTC)
    store.directory.put_site(
        {
            "id": OTHER_SITE,
            "name": "另一个电子税务局",
            "token_lifetime": 600,
            "created_at": now,
            "allowed_origins": list(origins),
        },
        keys=[
            {
                "kid": "other-1",
                "secret": "other-site-secret-" + "x" * 20,
                "active": True,
                "created_at": now,
            }
        ],
    )
    store.directory.put_centre(
        {"id": OTHER_CENTRE, "name": "东部运营中心", "schedule": ALL_DAY, "created_at": now}
    )
    store.directory.put_region(
        {
            "code": OTHER_REGION,
            "site_id": OTHER_SITE,
            "name": "东部税务局",
            "centre_id": OTHER_CENTRE,
            "smart_service": True,
        }
    )
    for name, role in OTHER_ACCOUNTS.items():
        if store.directory.agent_by_username(name) is None:
            accounts.create_agent(store, name, f"{name}-other", OTHER_CENTRE, role=role)
    store.dispose()


def keep_demo_passwords(data_dir):
    """Write the tests' demo passwords into data_dir unless it has its own (0600, as kept)."""
    path = Path(data_dir) / "demo-passwords.json"
    if not path.exists():
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(DEMO_PASSWORDS))
        path.chmod(0o600)


def settings_env(**settings):
    """Return LIMITS with ZHENGNA_<KEY>=value for each setting: settings_env(QUEUE_TIMEOUT=4)."""
    return {**LIMITS, **{f"ZHENGNA_{key}": str(value) for key, value in settings.items()}}


def serving(tmp_path_factory, name="srv", other_side=False, **settings):
    """Run a server.py for a module-scoped fixture (`yield from serving(...)`): demo data, LIMITS,
    the settings given (settings_env), the other side if asked; stopped after the module."""
    data = tmp_path_factory.mktemp(name) / "data"
    proc = ServerProcess(data, env=settings_env(**settings), other_side=other_side)
    try:
        yield proc
    finally:
        proc.stop()


class ServerProcess:
    """python server.py on a free port with its own data dir; env overrides ZHENGNA_* settings."""

    def __init__(
        self,
        data_dir,
        env=None,
        args=(),
        port=None,
        ready_timeout=60,
        demo_passwords=True,
        other_side=False,
    ):
        self.port = port or free_port()  # a restart passes the port it had
        self.data_dir = Path(data_dir)
        if demo_passwords:
            keep_demo_passwords(data_dir)
        if other_side:
            seed_other_side(data_dir)
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "ZHENGNA_LOG_LEVEL": "WARNING",
            "ZHENGNA_RTC": "off",
            **(env or {}),
        }
        full_env = self.env
        self.log = open(self.data_dir.parent / f"server-{self.port}.log", "a")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "server.py"),
                "--port",
                str(self.port),
                "--data-dir",
                str(data_dir),
                *args,
            ],
            cwd=ROOT,
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            self.wait_ready(ready_timeout)
        except BaseException:
            self.stop()  # never leave a half-started server behind
            raise

    def wait_ready(self, timeout=60):
        """Poll /healthz until the server answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.read_log()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not become ready: " + self.read_log())

    def read_log(self):
        """Return what the server printed so far."""
        self.log.flush()
        return (self.data_dir.parent / f"server-{self.port}.log").read_text()

    def stop(self):
        """Stop the server with SIGTERM and wait for it."""
        stop_process(self.proc)
        self.log.close()

    def kill(self):
        """Kill the server with SIGKILL (no goodbye to anyone) and wait for it."""
        self.proc.kill()
        self.proc.wait()
        self.log.close()

    def store(self):
        """Return a Store on the server's database (SQLite in its data dir unless configured)."""
        from widget import config
        from widget.sitekeys import SiteKeyBox
        from widget.store import Store

        settings = config.load({"DATA_DIR": str(self.data_dir)}, environ=self.env)
        box = SiteKeyBox(config.site_keys_key(settings))
        return Store(config.database_url(settings), key_box=box)

    def mint(self, tin, name="测试开票员", region="4401", sub=None, site="demo", **extra):
        """Return a host token for a person signed with the demo site's key."""
        from widget import tokens

        store = self.store()
        key = next(k for k in store.directory.site_keys(site) if k["active"])
        row = store.directory.get_site(site)
        store.dispose()
        return tokens.mint(
            site,
            key["kid"],
            key["secret"],
            sub=sub or tokens.default_sub(tin, name),
            name=name,
            tin=tin,
            enterprise=extra.pop("enterprise", "测试企业"),
            region=region,
            lifetime=extra.pop("lifetime", row["token_lifetime"]),
            **extra,
        )

    def resume_frame(self, credential):
        """Return an auth.resume for credential with a fresh host token of its person (what the
        page the widget is on holds)."""
        from widget import credentials

        store = self.store()
        person = store.directory.session_by_hash(credentials.digest(credential))
        store.dispose()
        token = self.mint(
            person["tin"],
            name=person["name"],
            region=person["region"],
            sub=person["sub"],
            site=person["site_id"],
        )
        return {"type": "auth.resume", "credential": credential, "token": token}


class _Client(simple_websocket.Client):
    """simple-websocket's client, mended twice: it leaves the port out of Host (browsers send it, so
    do we), and its handshake takes only the first event of what it read, so frames the server sent
    right behind the 101 (the agent socket's auth.ok) waited in wsproto's buffer until more data
    came: sometimes never."""

    def handshake(self):
        self.host = f"{self.host}:{self.port}"
        super().handshake()
        self.connected = self._handle_events()  # the reader thread starts after this: no race


class WSClient:
    """A WebSocket client that reads frames on a thread and lets tests wait for the one they
    want."""

    def __init__(self, url, origin, headers=None, cookie=None):
        hdrs = {"Origin": origin, **(headers or {})}
        if cookie:
            hdrs["Cookie"] = cookie
        self.ws = _Client(url, headers=hdrs)
        self.frames = queue.Queue()
        self.seen = []
        self.closed = threading.Event()
        self.close_code = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            while True:
                raw = self.ws.receive()
                if raw is None:
                    break
                self.frames.put(json.loads(raw))
        except simple_websocket.ConnectionClosed:
            pass
        self.close_code = self.ws.close_reason
        self.closed.set()

    def send(self, frame):
        """Send a frame (dict) or raw text."""
        self.ws.send(frame if isinstance(frame, str) else json.dumps(frame, ensure_ascii=False))

    def request(self, frame):
        """Send a frame tagged with a fresh cid and return the cid."""
        cid = frame.get("cid") or f"c{next(_cids)}"
        self.send({**frame, "cid": cid})
        return cid

    def expect(self, type_, timeout=10.0, where=None, **match):
        """Return the first frame of type_ whose fields equal match (and where(frame) holds)."""
        match = dict(match, _where=where) if where else match
        for i, frame in enumerate(self.seen):
            if _matches(frame, type_, match):
                return self.seen.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {type_} {match} within {timeout}s; saw {self.seen[-10:]}")
            try:
                frame = self.frames.get(timeout=left)
            except queue.Empty:
                continue
            if _matches(frame, type_, match):
                return frame
            self.seen.append(frame)

    def reply(self, cid, timeout=10.0):
        """Return the frame answering cid (a reply, an error, or a typed answer such as history)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, frame in enumerate(self.seen):
                if frame.get("ref") == cid:
                    return self.seen.pop(i)
            try:
                self.seen.append(self.frames.get(timeout=0.1))
            except queue.Empty:
                pass
        raise AssertionError(f"no answer to {cid}; saw {self.seen[-10:]}")

    def drain(self, quiet=0.3):
        """Read until nothing arrives for quiet seconds; return everything read."""
        while True:
            try:
                self.seen.append(self.frames.get(timeout=quiet))
            except queue.Empty:
                return list(self.seen)

    def close(self):
        """Close the socket."""
        try:
            self.ws.close()
        except Exception:
            pass

    def message(self, interaction_id, sender, timeout=10.0):
        """Return the next message.new in interaction_id sent by sender (a role)."""
        return self.expect(
            "message.new",
            timeout,
            interaction_id=interaction_id,
            where=lambda f: f["message"]["from"] == sender,
        )


def _matches(frame, type_, match):
    where = match.get("_where")
    return (
        frame.get("type") == type_
        and all(frame.get(k) == v for k, v in match.items() if k != "_where")
        and (where is None or where(frame))
    )


def raw_handshake(server, headers):
    """Return the answer to a WebSocket handshake for the demo site, sent raw with headers on top of
    the upgrade's own (any Host, any extension offered)."""
    upgrade = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Origin": server.url,
    }
    return requests.get(
        server.url + "/ws/taxpayer?site=demo", headers={**upgrade, **headers}, timeout=10
    )


def taxpayer(server, tin, name="测试开票员", region="4401", origin=None, site="demo", **mint):
    """Connect a taxpayer tab, authenticate it and return (client, auth.ok frame)."""
    client = WSClient(f"{server.ws_url}/ws/taxpayer?site={site}", origin or server.url)
    token = server.mint(tin, name=name, region=region, site=site, **mint)
    client.send({"type": "auth.hello", "token": token})
    return client, client.expect("auth.ok")


def agent(server, username="agent1", password=None):
    """Log an agent in over HTTP, open the console socket and return (client, auth.ok frame)."""
    return console_socket(server, login(server, username, password))


def console_socket(server, cookie):
    """Open the console socket with a login session's cookie and return (client, auth.ok frame)."""
    client = WSClient(f"{server.ws_url}/ws/agent", server.url, cookie=cookie)
    return client, client.expect("auth.ok")


def console(server, username="agent1", password=None):
    """Log a console user in over HTTP (a demo password unless given); return the requests session,
    its CSRF header set for the console API."""
    http = requests.Session()
    page = http.get(server.url + "/console").text
    csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    response = http.post(
        server.url + "/console/login",
        json={"username": username, "password": password or DEMO_PASSWORDS[username]},
        headers={"X-CSRFToken": csrf, "Referer": server.url + "/console"},
    )
    response.raise_for_status()
    http.headers["X-CSRFToken"] = response.json()["csrf_token"]
    return http


def login(server, username="agent1", password=None):
    """Log a console user in over HTTP and return the session's Cookie header."""
    return "; ".join(f"{c.name}={c.value}" for c in console(server, username, password).cookies)


class Served(NamedTuple):
    """A conversation a person took: both sides' clients, its id and the taxpayer's auth.ok."""

    taxpayer: WSClient
    agent: WSClient
    iid: str
    hello: dict  # the taxpayer's auth.ok: its credential


def served(server, tin, region="4402", username="agent1", password=None, agent_client=None):
    """Have taxpayer tin on region ask for a person and an agent accept: a new console socket of
    username (a demo password unless given) or agent_client, which may be on another server. Waits
    until the taxpayer sees the conversation connected; returns a Served."""
    tp, hello = taxpayer(server, tin, region=region)
    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    ag = agent_client or agent(server, username, password)[0]
    accepted = ag.reply(ag.request({"type": "interaction.accept", "interaction_id": iid}))
    assert accepted["type"] == "reply", accepted
    tp.expect("interaction.state", interaction_id=iid, state="connected")
    return Served(tp, ag, iid, hello)


def tin(n):
    """Return a distinct valid 统一社会信用代码 for test person n."""
    from widget.tokens import uscc_check_char

    base = f"91440101MA{n:07d}"
    return base + uscc_check_char(base)


async def offer_media(client, peer, iid):
    """Send an aiortc stand-in browser's offer as rtc.offer over client (a WSClient) and apply the
    answer."""
    import asyncio

    from aiortc import RTCSessionDescription

    loop = asyncio.get_running_loop()
    await peer.pc.setLocalDescription(await peer.pc.createOffer())
    cid = await loop.run_in_executor(
        None,
        lambda: client.request(
            {"type": "rtc.offer", "interaction_id": iid, "sdp": peer.pc.localDescription.sdp}
        ),
    )
    answer = await loop.run_in_executor(None, lambda: client.reply(cid, timeout=20))
    assert answer["type"] == "rtc.answer", answer
    await peer.pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
