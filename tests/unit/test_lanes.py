"""Frame lanes: in order per key, concurrent across keys, bounded, and gone when idle."""

import gevent
import pytest
from gevent.event import Event

from widget.lanes import Lanes


class Recorder:
    """A run function that notes what started and finished, holding items on events."""

    def __init__(self):
        self.started, self.finished = [], []
        self.gates = {}

    def gate(self, item):
        self.gates[item] = Event()
        return self.gates[item]

    def __call__(self, item):
        self.started.append(item)
        if item in self.gates:
            self.gates[item].wait()
        gevent.sleep(0)  # every item yields at least once, as a store write does
        self.finished.append(item)


def test_items_of_one_key_run_in_order_one_at_a_time():
    run = Recorder()
    lanes = Lanes(run, limit=100)
    held = run.gate(("a", 0))
    for n in range(5):
        lanes.submit("a", ("a", n))
    gevent.sleep(0.01)
    assert run.started == [("a", 0)], "the next item of a key waits for the one before"
    held.set()
    lanes.wait_idle()
    assert run.started == run.finished == [("a", n) for n in range(5)]


def test_a_held_key_does_not_hold_the_others():
    run = Recorder()
    lanes = Lanes(run, limit=100)
    held = run.gate("a1")
    lanes.submit("a", "a1")
    lanes.submit("a", "a2")
    lanes.submit("b", "b1")
    lanes.submit("b", "b2")
    gevent.sleep(0.01)
    assert run.finished == ["b1", "b2"]
    assert lanes.busy == 1, "b's lane ended when it ran out of items"
    held.set()
    lanes.wait_idle()
    assert run.finished == ["b1", "b2", "a1", "a2"]
    assert lanes.busy == 0


def test_interleaved_keys_keep_each_order():
    run = Recorder()
    lanes = Lanes(run, limit=7)
    for n in range(50):
        for key in "xyz":
            lanes.submit(key, (key, n))
    lanes.wait_idle()
    for key in "xyz":
        assert [n for k, n in run.finished if k == key] == list(range(50))
    assert len(run.finished) == 150


def test_submit_waits_while_the_limit_is_in_flight():
    run = Recorder()
    lanes = Lanes(run, limit=3)
    gates = [run.gate(f"k{n}") for n in range(4)]
    for n in range(3):
        lanes.submit(f"k{n}", f"k{n}")
    fourth = gevent.spawn(lanes.submit, "k3", "k3")
    gevent.sleep(0.01)
    assert not fourth.dead, "a fourth item waits for a slot"
    assert run.started == ["k0", "k1", "k2"]
    gates[1].set()
    fourth.join(timeout=1)
    assert fourth.dead and fourth.successful()
    gevent.sleep(0.01)
    assert run.started == ["k0", "k1", "k2", "k3"]
    for gate in gates:
        gate.set()
    lanes.wait_idle()
    assert sorted(run.finished) == ["k0", "k1", "k2", "k3"]


def test_wait_idle_returns_at_once_when_nothing_runs():
    lanes = Lanes(Recorder(), limit=1)
    with gevent.Timeout(1):
        lanes.wait_idle()


def test_a_run_that_raises_frees_its_lane_and_its_slots():
    ran = []

    def run(item):
        ran.append(item)
        gevent.sleep(0)
        if item == "bad":
            raise RuntimeError("boom")

    lanes = Lanes(run, limit=3)
    lanes.submit("a", "bad")
    lanes.submit("a", "left behind")
    lanes.submit("b", "fine")
    with gevent.Timeout(1):
        lanes.wait_idle()
    assert ran == ["bad", "fine"]
    assert lanes.busy == 0
    for n in range(3):  # all three slots are free again
        with gevent.Timeout(1):
            lanes.submit("c", n)
    lanes.wait_idle()
    assert ran[-3:] == [0, 1, 2]


@pytest.mark.parametrize("limit", [1, 2])
def test_a_small_limit_still_runs_everything_in_order(limit):
    run = Recorder()
    lanes = Lanes(run, limit=limit)
    for n in range(20):
        lanes.submit(n % 3, n)
    lanes.wait_idle()
    for key in range(3):
        assert [n for n in run.finished if n % 3 == key] == list(range(key, 20, 3))
