"""Each WebSocket holds one file descriptor in the server, and gives it back when it ends, whoever
ends it (real server, real sockets, the process's descriptor count)."""

import time

import psutil

from tests.support import WSClient, agent, taxpayer

SOCKETS = 60


def _settle(proc, want, timeout=15.0):
    """Return the process's descriptor count once it is want (or what it is at the timeout)."""
    deadline = time.monotonic() + timeout
    while (count := proc.num_fds()) != want and time.monotonic() < deadline:
        time.sleep(0.1)
    return count


def _steady(proc, timeout=15.0):
    """Return the process's descriptor count once it has held for a second (a socket closed just
    before may still be giving its descriptor back)."""
    deadline = time.monotonic() + timeout
    count, since = proc.num_fds(), time.monotonic()
    while time.monotonic() - since < 1.0 and time.monotonic() < deadline:
        time.sleep(0.1)
        if (now := proc.num_fds()) != count:
            count, since = now, time.monotonic()
    return count


def test_a_socket_holds_one_descriptor_and_returns_it(server, person):
    proc = psutil.Process(server.proc.pid)
    warm, _ = taxpayer(server, person())  # the store's connections and the like are open by now
    warm.close()
    before = _steady(proc)

    held = [taxpayer(server, person())[0] for _ in range(SOCKETS)]
    ag, _ = agent(server)
    for client in held + [ag]:  # every socket still works both ways
        client.send({"type": "ping"})
        client.expect("pong")
    opened = proc.num_fds() - before
    assert SOCKETS + 1 <= opened <= SOCKETS + 6, f"{opened} descriptors for {SOCKETS + 1} sockets"

    for client in held + [ag]:
        client.close()
    assert _settle(proc, before) == before, "closed by the clients: every descriptor given back"


def test_sockets_the_server_ends_give_their_descriptor_back(server):
    proc = psutil.Process(server.proc.pid)
    before = proc.num_fds()
    refused = []
    for _ in range(SOCKETS):  # the first frame is no authentication: the server closes them
        client = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
        client.send({"type": "ping"})
        refused.append(client)
    for client in refused:
        assert client.closed.wait(10)
    assert _settle(proc, before) == before
    assert "Traceback" not in server.read_log()
