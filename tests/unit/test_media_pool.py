"""Which media worker takes a new call: children and RTC_URL workers always count, registered ones
while their heartbeat is fresh; the least busy wins (active calls counted in the store), ties broken
the same way by every server (rendezvous hashing of the call id)."""

from datetime import timedelta

import pytest

from tests.unit.storekit import T0, created
from widget.errors import ZhengnaError
from widget.media import Workers

A, B, C = "http://127.0.0.1:7001", "http://127.0.0.1:7002", "http://10.0.0.5:8700"


def pool(store, fixed=(), now=T0, ttl=20):  # noqa: F811 (the fixture's name)
    return Workers(store, "secret", lambda: now, ttl, fixed)


def test_no_worker_means_video_is_unavailable(store):  # noqa: F811
    workers = pool(store)
    assert workers.live() == []
    with pytest.raises(ZhengnaError) as refused:
        workers.pick("call-1")
    assert refused.value.code == "media_unavailable"


def test_registered_workers_count_while_their_heartbeat_is_fresh(store):  # noqa: F811
    store.media.worker_seen(C, "forward", 0, T0)
    store.media.worker_seen(
        C, "forward", 2, T0 + timedelta(seconds=5)
    )  # a second heartbeat updates the row
    assert pool(store, [A], now=T0 + timedelta(seconds=24)).live() == [A, C]
    assert pool(store, [A], now=T0 + timedelta(seconds=26)).live() == [A], (
        "silent for longer than the TTL"
    )


def test_the_least_busy_worker_takes_the_call(store):  # noqa: F811
    workers = pool(store, [A, B])
    created(store, "ix1", state="connected", call_state="active", call_id="c1", call_worker=A)
    created(store, "ix2", state="connected", call_state="active", call_id="c2", call_worker=A)
    created(store, "ix3", state="connected", call_state="active", call_id="c3", call_worker=B)
    created(
        store, "ix4", state="ended", call_state="none", call_id="c4", call_worker=B
    )  # over: not counted
    assert store.conversations.active_calls_by_worker() == {A: 2, B: 1}
    assert all(workers.pick(f"new-{n}") == B for n in range(20))


def test_ties_are_broken_by_the_call_id_alike_everywhere_and_spread(store):  # noqa: F811
    one, other = pool(store, [A, B]), pool(store, [B, A])
    picks = [one.pick(f"call-{n}") for n in range(200)]
    assert picks == [other.pick(f"call-{n}") for n in range(200)], (
        "the order of the list does not matter"
    )
    assert 60 < picks.count(A) < 140, "idle workers share new calls"


def test_each_worker_has_one_client_with_the_secret(store):  # noqa: F811
    workers = pool(store, [A + "/"])
    assert workers.live() == [A]
    assert workers.client(A) is workers.client(A)
    assert workers.client(A).http.headers["X-Zhengna-Secret"] == "secret"
