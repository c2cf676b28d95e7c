"""Every timeout in one sweep: queue, centre closing, grace, idle; run on an interval."""
import logging
from datetime import timedelta

import gevent

from . import states
from .errors import ZhengnaError
from .models import Actor

log = logging.getLogger(__name__)


class Sweeper:
    """Applies timeouts to live interactions; safe to run in several processes at once."""

    def __init__(self, service, config, clock):
        self.service, self.config, self.clock = service, config, clock
        self._greenlet = None

    def start(self):
        """Sweep every SWEEP_INTERVAL seconds in the background."""
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
        """Apply every timeout that is due now."""
        now, open_now = self.clock(), {}
        for interaction in self.service.store.interactions_in(states.LIVE_VALUES):
            try:
                self._check(interaction, now, open_now)
            except ZhengnaError as error:  # someone else moved it first: nothing to do
                log.debug("sweep skipped %s: %s", interaction.id, error.code)

    def _check(self, interaction, now, open_now):
        config, system = self.config, Actor.system()
        transition = self.service.transition
        if interaction.state == "bot":
            if _past(interaction.last_activity_at, config["BOT_IDLE_TIMEOUT"], now):
                transition(interaction.id, "idle_timeout", system)
        elif interaction.state == "queued":
            centre = interaction.centre_id
            if centre not in open_now:
                open_now[centre] = self.service.router.centre_status(centre).open
            limit = self.service.store.get_centre(centre)["queue_timeout"] or config["QUEUE_TIMEOUT"]
            if not open_now[centre]:
                transition(interaction.id, "expire", system, detail={"reason": "centre_closed"})
            elif _past(interaction.queued_at, limit, now):
                transition(interaction.id, "expire", system, detail={"reason": "queue_timeout"})
        elif interaction.state == "connected":
            if interaction.agent_left_at and _past(interaction.agent_left_at, config["GRACE_PERIOD"], now):
                transition(interaction.id, "agent_lost", system, detail={"reason": "agent_lost"},
                           queued_at=interaction.queued_at or interaction.created_at)
            elif _past(interaction.last_activity_at, config["IDLE_TIMEOUT"], now):
                transition(interaction.id, "idle_timeout", system)
            elif interaction.idle_warned_at is None and _past(
                    interaction.last_activity_at, config["IDLE_WARNING"], now):
                self.service.remind_idle(interaction)


def _past(moment, seconds, now):
    return moment is not None and moment + timedelta(seconds=seconds) <= now
