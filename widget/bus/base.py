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

    @abc.abstractmethod
    def on_resume(self, callback):
        """Call callback() whenever the bus delivers again after it may have lost messages."""

    @abc.abstractmethod
    def close(self):
        """Release connections (on shutdown)."""
