"""Worker greenlets: jobs run as on gevent.spawn, on greenlets parked for reuse."""

import contextvars
import logging

import gevent
from gevent.event import Event

from widget.workers import Workers

_SEEN: contextvars.ContextVar = contextvars.ContextVar("seen", default=None)


def test_a_job_runs_on_the_next_turn_and_ends_dead():
    pool, ran = Workers(), []
    job = pool.spawn(ran.append, 1)
    assert ran == [] and not job.dead  # not at once: from the loop, as gevent.spawn
    assert job.join(timeout=1)
    assert ran == [1] and job.dead and job.error is None


def test_a_finished_greenlet_runs_the_next_job_instead_of_a_new_one():
    pool, where = Workers(), []
    pool.spawn(lambda: where.append(gevent.getcurrent())).join(1)
    gevent.sleep(0)  # it parks after its job
    assert pool.parked() == 1
    pool.spawn(lambda: where.append(gevent.getcurrent())).join(1)
    assert where[0] is where[1] and pool.started == 1


def test_concurrent_jobs_each_get_a_greenlet_and_all_park_after():
    pool, gate, running = Workers(), Event(), []

    def hold(n):
        running.append(n)
        gate.wait()

    jobs = [pool.spawn(hold, n) for n in range(5)]
    gevent.sleep(0)
    assert sorted(running) == [0, 1, 2, 3, 4] and pool.started == 5  # one does not wait for another
    gate.set()
    assert all(job.join(1) for job in jobs)
    gevent.sleep(0)
    assert pool.parked() == 5


def test_no_more_than_keep_stay_parked():
    pool, gate = Workers(keep=2), Event()
    jobs = [pool.spawn(gate.wait) for _ in range(4)]
    gevent.sleep(0)
    gate.set()
    assert all(job.join(1) for job in jobs)
    gevent.sleep(0)
    assert pool.parked() == 2


def test_a_failing_job_is_logged_and_its_greenlet_serves_the_next(caplog):
    pool, ran = Workers(), []

    def fail():
        raise ValueError("broken job")

    with caplog.at_level(logging.ERROR, logger="widget.workers"):
        failed = pool.spawn(fail)
        assert failed.join(1) and failed.dead
    assert isinstance(failed.error, ValueError) and "broken job" in caplog.text
    gevent.sleep(0)
    pool.spawn(ran.append, "next").join(1)
    assert ran == ["next"] and pool.started == 1


def test_each_job_starts_with_an_empty_context_as_a_new_greenlet_does():
    pool, seen = Workers(), []

    def first():
        seen.append(_SEEN.get())
        _SEEN.set("left by the first job")

    pool.spawn(first).join(1)
    gevent.sleep(0)
    pool.spawn(lambda: seen.append(_SEEN.get())).join(1)
    assert seen == [None, None] and pool.started == 1


def test_a_parked_greenlet_killed_meanwhile_is_not_handed_a_job():
    pool, ran = Workers(), []
    pool.spawn(lambda: None).join(1)
    gevent.sleep(0)
    (worker,) = [w for parked in pool._parked.values() for w in parked]
    worker.greenlet.kill(block=True)  # what gevent.killall at exit does to every greenlet
    pool.spawn(ran.append, "after").join(1)
    assert ran == ["after"] and pool.started == 2


def test_join_times_out_while_the_job_runs():
    pool, gate = Workers(), Event()
    job = pool.spawn(gate.wait)
    assert job.join(timeout=0.01) is False and not job.dead
    gate.set()
    assert job.join(timeout=1) is True
