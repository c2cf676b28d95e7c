"""The in-process bus of the embedded default: callbacks called in the publisher's greenlet."""

import itertools
import logging

from .base import Bus

log = logging.getLogger(__name__)


class MemoryBus(Bus):
    """Fan-out inside one process; callbacks must not block (they enqueue)."""

    name = "memory"

    def __init__(self):
        self._channels = {}
        self._handles = {}
        self._ids = itertools.count(1)

    def publish(self, channel, message):
        for callback in list(self._channels.get(channel, {}).values()):
            try:
                callback(message)
            except Exception:  # one broken subscriber must not stop the others
                log.exception("subscriber of %s failed", channel)

    def subscribe(self, channel, callback):
        handle = next(self._ids)
        self._channels.setdefault(channel, {})[handle] = callback
        self._handles[handle] = channel
        return handle

    def unsubscribe(self, handle):
        channel = self._handles.pop(handle, None)
        if channel is not None:
            subscribers = self._channels.get(channel, {})
            subscribers.pop(handle, None)
            if not subscribers:
                self._channels.pop(channel, None)

    def subscriber_count(self):
        """Return how many subscriptions are live (for tests and metrics)."""
        return len(self._handles)

    def on_resume(self, callback):
        """Never call callback: the in-process bus loses no messages, so it never resumes."""

    def close(self):
        """Nothing to release: the in-process bus holds no connections."""
