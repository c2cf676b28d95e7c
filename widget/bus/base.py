"""The bus interface: channels carry JSON-able dicts to subscribed callbacks."""

import abc


class Bus(abc.ABC):
    """Publish/subscribe between the connections of one or more server processes."""

    name = "bus"

    @abc.abstractmethod
    def publish(self, channel, message):
        """Deliver message (a JSON-able dict) to every subscriber of channel, in every process."""

    @abc.abstractmethod
    def subscribe(self, channel, callback):
        """Call callback(message) for each message on channel; return a handle for unsubscribe."""

    @abc.abstractmethod
    def unsubscribe(self, handle):
        """Stop one subscription; unknown handles are ignored."""

    def healthy(self):
        """Return True when the bus can deliver."""
        return True

    def on_resume(self, callback):  # noqa: B027 - a bus that never loses messages has nothing to do
        """Call callback() whenever the bus delivers again after it may have lost messages.

        The in-process bus never loses any, so by default callback is never called."""

    def close(self):
        """Release connections (on shutdown)."""
