"""Message bus: fan-out of events to every connection watching a channel."""

from .base import Bus
from .memory import MemoryBus


def create_bus(redis_url=""):
    """Return the bus the configuration asks for."""
    if redis_url:
        from .redis import RedisBus

        return RedisBus(redis_url)
    return MemoryBus()


__all__ = ["Bus", "MemoryBus", "create_bus"]
