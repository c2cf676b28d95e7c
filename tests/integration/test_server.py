"""The server process: health, metrics, the CLI against a running server, and a clean shutdown."""

import subprocess
import sys

import pytest
import requests
import simple_websocket

from tests.support import ROOT, WSClient, console, raw_handshake, taxpayer


def test_healthz_and_metrics(server, person):
    health = requests.get(server.url + "/healthz")
    assert health.status_code == 200
    assert health.json() == {**health.json(), "status": "ok", "store": "ok", "bus": "memory ok"}
    tp, _ = taxpayer(server, person(), region="4402")
    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    tp.send({"type": "nonsense"})
    tp.expect("error")
    text = requests.get(server.url + "/metrics").text
    assert 'zhengna_connections{role="taxpayer"}' in text
    assert 'zhengna_frames_total{role="taxpayer",type="human.request"} 1.0' in text
    assert 'zhengna_errors_total{code="unknown_type"}' in text
    assert 'zhengna_queue_length{centre="demo"}' in text
    tp.reply(tp.request({"type": "interaction.cancel", "interaction_id": iid}))
    tp.close()


def test_cli_works_against_a_running_server(server, person):
    who = person()
    minted = subprocess.run(
        [
            sys.executable,
            str(ROOT / "server.py"),
            "mint-token",
            "--data-dir",
            str(server.data_dir),
            "--site",
            "demo",
            "--region",
            "4401",
            "--taxpayer",
            who,
            "--name",
            "命令行",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    client = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
    client.send({"type": "auth.hello", "token": minted.stdout.strip()})
    assert client.expect("auth.ok")["person"]["name"] == "命令行"
    client.close()
    made = subprocess.run(
        [
            sys.executable,
            str(ROOT / "server.py"),
            "create-agent",
            "--data-dir",
            str(server.data_dir),
            "--username",
            "cli-agent",
            "--password",
            "cli-password",
            "--centre",
            "demo",
        ],
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0 and "created agent cli-agent" in made.stdout
    again = subprocess.run(
        [
            sys.executable,
            str(ROOT / "server.py"),
            "create-agent",
            "--data-dir",
            str(server.data_dir),
            "--username",
            "cli-agent",
            "--password",
            "cli-password",
            "--centre",
            "demo",
        ],
        capture_output=True,
        text=True,
    )
    assert again.returncode != 0 and "taken" in again.stderr
    from_stdin = subprocess.run(  # the password never on the command line
        [sys.executable, str(ROOT / "server.py"), "create-agent", "--data-dir"]
        + [str(server.data_dir), "--username", "stdin-agent", "--centre", "demo"],
        input="kept-off-argv\n",
        capture_output=True,
        text=True,
    )
    assert from_stdin.returncode == 0, from_stdin.stderr

    assert console(server, "stdin-agent", "kept-off-argv").get(server.url + "/console/api/me").ok
    bad = subprocess.run(
        [
            sys.executable,
            str(ROOT / "server.py"),
            "mint-token",
            "--data-dir",
            str(server.data_dir),
            "--site",
            "demo",
            "--region",
            "4401",
            "--taxpayer",
            "123",
            "--name",
            "x",
        ],
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "not a valid" in bad.stderr


def test_sigterm_tells_clients_to_reconnect_and_exits(start_server, person):
    server = start_server()
    tp, _ = taxpayer(server, person(), region="4402")
    server.proc.terminate()
    assert tp.expect("server.restart", timeout=10)["en"]
    assert tp.closed.wait(10) and tp.close_code == 1012
    assert server.proc.wait(15) == 0


def test_static_assets_are_not_rate_limited_and_modules_allow_other_origins(start_server):
    server = start_server(HTTP_RATE_LIMIT="5 per minute")
    codes = {requests.get(server.url + "/widget.js").status_code for _ in range(8)}
    assert codes == {200}
    # the widget imports all three
    for path in ("/static/js/zn/app.js", "/static/js/shared/codes.js", "/static/js/shared/dom.js"):
        module = requests.get(server.url + path, headers={"Origin": "https://etax.example.gov.cn"})
        assert module.status_code == 200 and module.headers["Access-Control-Allow-Origin"] == "*"
    limited = [requests.get(server.url + "/console").status_code for _ in range(7)]
    assert limited[-1] == 429, "other pages keep their per-address limit"


def test_websocket_handshakes_have_their_own_higher_limit(start_server, person):
    server = start_server(HTTP_RATE_LIMIT="5 per minute", WS_HANDSHAKE_RATE_LIMIT="12 per minute")
    for _ in range(10):  # twice the HTTP limit: a whole office reconnecting after a restart
        client, hello = taxpayer(server, person())
        assert hello["type"] == "auth.ok"
        client.close()
    with pytest.raises(simple_websocket.ConnectionError, match="429"):
        for _ in range(4):  # past its own limit a handshake is refused too
            taxpayer(server, person())[0].close()


def test_a_socket_takes_no_compression_whatever_the_browser_offers(server):
    # every browser offers permessage-deflate; its zlib contexts would triple an idle socket's cost
    offer = {"Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits"}
    answer = raw_handshake(server, offer)
    assert answer.status_code == 101
    assert "Sec-WebSocket-Extensions" not in answer.headers, answer.headers
