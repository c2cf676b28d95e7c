"""Scaled out, Redis restarts: what was published while a process was not yet subscribed again still
reaches its sockets, without waiting for a later event in the same conversation."""

import pytest
from cryptography.fernet import Fernet

from tests.services import Redis
from tests.support import ServerProcess, agent, served


@pytest.fixture
def pair_with_own_redis(tmp_path, postgres):
    """Two servers on a fresh database and a Redis of their own (this test restarts it)."""
    redis = Redis()
    env = {
        "ZHENGNA_DATABASE_URL": postgres.create_database(),
        "ZHENGNA_REDIS_URL": redis.url,
        "ZHENGNA_SITE_KEYS_KEY": Fernet.generate_key().decode(),  # the same for both processes
    }
    servers = []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            servers.append(ServerProcess(tmp_path / name / "data", env=env))
        yield servers[0], servers[1], redis
    finally:
        for server in servers:
            server.stop()
        redis.close()


def test_a_message_sent_while_redis_comes_back_reaches_the_other_process(
    pair_with_own_redis, person
):
    one, two, redis = pair_with_own_redis
    tp, ag, iid, _ = served(one, person(), agent_client=agent(two)[0])
    for attempt in range(3):  # each restart leaves a window before two listens again
        redis.restart()
        answer = tp.reply(
            tp.request({"type": "message.send", "interaction_id": iid, "text": f"在吗{attempt}"}),
            timeout=15,
        )
        assert answer["type"] == "reply", answer
        assert ag.message(iid, "taxpayer", timeout=10)["message"]["body"] == f"在吗{attempt}"
    tp.close()
    ag.close()
