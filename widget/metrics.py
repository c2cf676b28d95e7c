"""Prometheus metrics for operators, one registry per app."""

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest


class Metrics:
    """Connections, messages, queue lengths and errors."""

    def __init__(self):
        self.registry = CollectorRegistry()
        self.connections = Gauge(
            "zhengna_connections", "Open WebSocket connections", ["role"], registry=self.registry
        )
        self.frames = Counter(
            "zhengna_frames_total",
            "Inbound frames handled",
            ["role", "type"],
            registry=self.registry,
        )
        self.messages = Counter(
            "zhengna_messages_total", "Chat messages stored", ["role"], registry=self.registry
        )
        self.errors = Counter(
            "zhengna_errors_total", "Error frames sent", ["code"], registry=self.registry
        )
        self.queue = Gauge(
            "zhengna_queue_length",
            "Interactions waiting per centre",
            ["centre"],
            registry=self.registry,
        )

        # labelled children by their labels: labels() takes a lock and builds a key on every call,
        # once or twice a message (frame types and roles are few: the protocol allows no others)
        self._children = {}

    def count_frame(self, role, frame_type):
        """Count an inbound frame of this type from this role."""
        self._child(self.frames, role, frame_type).inc()

    def count_message(self, role):
        """Count a chat message stored from this role."""
        self._child(self.messages, role).inc()

    def _child(self, metric, *labels):
        child = self._children.get((metric, labels))
        if child is None:
            child = self._children[metric, labels] = metric.labels(*labels)
        return child

    def render(self):
        """Return the text exposition format."""
        return generate_latest(self.registry)
