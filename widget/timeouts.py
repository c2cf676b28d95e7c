"""Every timeout in one sweep: queue, centre closing, grace, idle; run on an interval.

A pass reads only the live interactions with something due (one query over the stored deadline
columns, so every process sees every other's changes) and hands each change to the unit of work,
like any other: a process that loses the race to another's sweep is told so and moves on."""

import logging
import time
from datetime import timedelta
from pathlib import Path

import gevent

from . import reports
from .errors import ZhengnaError
from .models import Actor
from .states import Call, State

log = logging.getLogger(__name__)


PRUNE_EVERY = 3600.0  # seconds between recording clean-ups; retention is counted in days
PRESENCE_EVERY = (
    10.0  # seconds between renewals of shared presence (it expires after RedisPresence.TTL)
)


class Sweeper:
    """Applies timeouts to live interactions; safe to run in several processes at once."""

    def __init__(self, service, config, clock, calls=None):
        self.service, self.config, self.clock, self.calls = service, config, clock, calls
        self._greenlet = None
        self._open = {}  # centre id -> open at the last sweep
        self._pruned_at = 0.0  # monotonic time of the last recording clean-up
        self._presence_at = time.monotonic()
        self._orphans_at = 0.0  # monotonic time of the last orphan-upload clean-up

    def start(self):
        """Sweep every SWEEP_INTERVAL seconds in the background, from the centres' state now."""
        self._announce_centres()  # the baseline: a change before the first sweep is still announced
        self._greenlet = gevent.spawn(self._loop)

    def stop(self):
        """Stop sweeping."""
        if self._greenlet is not None:
            self._greenlet.kill()

    def _loop(self):
        while True:
            gevent.sleep(self.config["SWEEP_INTERVAL"])
            try:
                self.run_once()
            except Exception:  # keep sweeping; the next pass retries
                log.exception("timeout sweep failed")

    def run_once(self):
        """Announce centres opening or closing, then apply every timeout that is due now."""
        now = self.clock()
        if time.monotonic() - self._pruned_at >= PRUNE_EVERY:
            self.prune_recordings(now)
            reports.roll_recent(self.service.store, now)  # before a supervisor asks for the month
        if time.monotonic() - self._orphans_at >= min(
            PRUNE_EVERY, self.config["UPLOAD_ORPHAN_TTL"] / 2
        ):
            self.prune_orphan_uploads(now)
        if time.monotonic() - self._presence_at >= PRESENCE_EVERY:
            self._presence_at = time.monotonic()
            self.service.presence.refresh()
        open_now, limits = self._announce_centres()
        present = self.service.presence.connected_agents()
        closed = [centre for centre, is_open in open_now.items() if not is_open]
        for interaction in self.due(now, closed, limits, present):
            try:
                self._check(interaction, now, open_now, limits, present)
            except ZhengnaError as error:  # someone else moved it first: nothing to do
                log.debug("sweep skipped %s: %s", interaction.id, error.code)

    def due(self, now, closed, limits, present):
        """Return the live interactions with a timeout that may be due at now (the store's query on
        the stored deadline columns: the same in every process)."""
        names = ("BOT_IDLE_TIMEOUT", "RING_TIMEOUT", "IDLE_TIMEOUT", "IDLE_WARNING")
        timeouts = {name: self.config[name] for name in names}
        return self.service.store.conversations.sweep_candidates(
            now, timeouts, closed, limits, present
        )

    def prune_recordings(self, now):
        """Delete recordings older than RECORDING_RETENTION_DAYS, file and index row."""
        self._pruned_at = time.monotonic()
        store = self.service.store
        data_dir = Path(self.config["DATA_DIR"]).resolve()
        for row in store.media.recordings_before(
            now - timedelta(days=self.config["RECORDING_RETENTION_DAYS"])
        ):
            path = data_dir.joinpath(row["file"]).resolve()
            if path.is_relative_to(data_dir):
                path.unlink(missing_ok=True)
            store.media.delete_recording(row["id"])
            log.info(
                "recording %s of %s deleted after its retention period",
                row["id"],
                row["interaction_id"],
            )

    def prune_orphan_uploads(self, now):
        """Delete uploads no message used within UPLOAD_ORPHAN_TTL (longer than anything waits in
        a browser's outbox), file and index row."""
        self._orphans_at = time.monotonic()
        store = self.service.store
        folder = Path(self.config["DATA_DIR"]) / "attachments"
        for row in store.media.orphan_attachments(
            now - timedelta(seconds=self.config["UPLOAD_ORPHAN_TTL"])
        ):
            (folder / row["id"]).unlink(missing_ok=True)
            store.media.delete_attachment(row["id"])
            log.info(
                "upload %s of %s removed: no message used it", row["id"], row["interaction_id"]
            )

    def _announce_centres(self):
        """Push centre.status for every centre whose open state changed; return {id: open}, {id:
        queue limit}."""
        router, bus = self.service.router, self.service.bus
        open_now, limits = {}, {}
        for centre in self.service.store.directory.centres():
            limits[centre["id"]] = centre["queue_timeout"] or self.config["QUEUE_TIMEOUT"]
            status = router.centre_status(centre["id"])
            open_now[centre["id"]] = status.open
            if self._open.get(centre["id"], status.open) != status.open:
                frame = {
                    "type": "centre.status",
                    "centre": router.centre_view(centre["id"], status),
                }
                for channel in (f"centre-status:{centre['id']}", f"centre:{centre['id']}"):
                    bus.publish(
                        channel, {"kind": "ephemeral", "from_role": "system", "frame": frame}
                    )
        self._open = open_now
        return open_now, limits

    def _check(self, interaction, now, open_now, limits, present):
        config, system = self.config, Actor.system()
        transition = self.service.transition
        if interaction.state is State.BOT:
            if _past(interaction.last_activity_at, config["BOT_IDLE_TIMEOUT"], now):
                transition(interaction.id, "idle_timeout", system)
        elif interaction.state is State.QUEUED:
            centre = interaction.centre_id
            limit = limits.get(centre, config["QUEUE_TIMEOUT"])
            if not open_now.get(centre, True):
                transition(interaction.id, "expire", system, detail={"reason": "centre_closed"})
            elif _past(interaction.queued_at, limit, now):
                transition(interaction.id, "expire", system, detail={"reason": "queue_timeout"})
        elif interaction.state is State.CONNECTED:
            if interaction.call_state == Call.REQUESTED.value and _past(
                interaction.call_requested_at, config["RING_TIMEOUT"], now
            ):
                self.calls.change(system, interaction.id, "ring_timeout")
            here = interaction.agent_id in present
            if interaction.agent_left_at is None and not here:
                # no console of the agent anywhere, and none closed here: the process that held it
                # died
                self.service.agent_absent(interaction, now)
            elif (
                interaction.agent_left_at is not None and here
            ):  # back (a reconnect raced the last sweep)
                self.service.agent_back(interaction)
            elif interaction.agent_left_at and _past(
                interaction.agent_left_at, config["GRACE_PERIOD"], now
            ):
                transition(
                    interaction.id,
                    "agent_lost",
                    system,
                    detail={"reason": "agent_lost"},
                    queued_at=interaction.queued_at or interaction.created_at,
                )
            elif _past(interaction.last_activity_at, config["IDLE_TIMEOUT"], now):
                transition(interaction.id, "idle_timeout", system)
            elif interaction.idle_warned_at is None and _past(
                interaction.last_activity_at, config["IDLE_WARNING"], now
            ):
                self.service.remind_idle(interaction)


def _past(moment, seconds, now):
    return moment is not None and moment + timedelta(seconds=seconds) <= now
