"""Agents' presence: counted per process, or shared by every process through Redis."""

import uuid

import pytest
import redis

from widget.presence import Presence, RedisPresence


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def shared(redis_service):
    """Two processes' presence over one fresh Redis hash, and their clock."""
    client = redis.Redis.from_url(redis_service.url)
    key = f"zhengna:presence:test-{uuid.uuid4().hex}"
    clock = Clock()
    yield RedisPresence(client, clock, key), RedisPresence(client, clock, key), clock
    client.delete(key)


def test_in_one_process_the_last_console_closing_is_noticed():
    presence = Presence()
    assert presence.connect("ag1", "c1") is True
    assert presence.connect("ag1", "c1") is False
    presence.connect("ag2", "c1", "away")
    assert presence.online_in("c1") == 1
    assert presence.disconnect("ag1") is False
    assert presence.disconnect("ag1") is True
    assert not presence.is_connected("ag1") and presence.online_in("c1") == 0


def test_a_console_on_another_process_counts(shared):
    one, two, _ = shared
    one.connect("ag1", "c1")
    assert two.is_connected("ag1") and two.online_in("c1") == 1
    two.connect("ag1", "c1")
    assert one.disconnect("ag1") is False, "the agent still has a console on the other process"
    assert one.is_connected("ag1")
    assert two.disconnect("ag1") is True, "the last console anywhere"
    assert not one.is_connected("ag1") and one.online_in("c1") == 0


def test_status_and_centres_are_counted_once_per_agent(shared):
    one, two, _ = shared
    one.connect("ag1", "c1")
    two.connect("ag1", "c1")
    two.connect("ag2", "c2")
    assert one.online_in("c1") == 1 and one.online_in("c2") == 1
    one.set_status("ag1", "c1", "away")
    two.set_status("ag1", "c1", "away")
    assert two.online_in("c1") == 0
    one.set_status("ag9", "c1", "online")  # no console of ag9 here: nothing is written
    assert not two.is_connected("ag9")


def test_a_process_that_stops_refreshing_stops_counting(shared):
    one, two, clock = shared
    one.connect("ag1", "c1")
    two.connect("ag2", "c1")
    clock.now += RedisPresence.TTL - 1
    two.refresh()  # two is alive; one has died without a word
    assert two.online_in("c1") == 2
    clock.now += 2
    assert not two.is_connected("ag1") and two.is_connected("ag2")
    two.refresh()
    assert len(two.client.hgetall(two.key)) == 1, "the dead process's field is cleared"
