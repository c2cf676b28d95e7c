"""ALLOWED_HOSTS: a Host the server does not serve is refused (DNS rebinding against a local
instance). Default: loopback names only with demo on, any host with demo off."""

import pytest
import requests


@pytest.mark.parametrize("host", ["attacker.example", "192.168.1.9:8000"])
def test_demo_mode_answers_loopback_names_only(server, host):
    assert requests.get(server.url + "/healthz").status_code == 200
    for loopback in ("localhost", f"127.0.0.1:{server.port}", f"[::1]:{server.port}"):
        assert requests.get(server.url + "/healthz", headers={"Host": loopback}).ok, loopback
    refused = requests.get(server.url + "/healthz", headers={"Host": host})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "bad_host"


def test_without_demo_any_host_unless_listed(start_server, tmp_path):
    from tests.support import ServerProcess, settings_env

    open_to_all = ServerProcess(tmp_path / "a", env=settings_env(), args=("--no-demo",))
    listed = ServerProcess(
        tmp_path / "b",
        env=settings_env(ALLOWED_HOSTS="zhengna.example.gov.cn,*.etax.gov.cn,127.0.0.1"),
        args=("--no-demo",),
    )
    try:
        assert requests.get(open_to_all.url + "/healthz", headers={"Host": "any.example"}).ok
        ok = ("zhengna.example.gov.cn", "hall.etax.gov.cn:443", "127.0.0.1")
        for host in ok:
            assert requests.get(listed.url + "/healthz", headers={"Host": host}).ok, host
        for host in ("etax.gov.cn.attacker.example", "attacker.example", "localhost"):
            answer = requests.get(listed.url + "/healthz", headers={"Host": host})
            assert answer.status_code == 400, host
    finally:
        open_to_all.stop()
        listed.stop()
