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

    def render(self):
        """Return the text exposition format."""
        return generate_latest(self.registry)
