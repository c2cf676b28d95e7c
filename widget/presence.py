"""Which agents have a console open, counted per process (Redis shares it when scaled out)."""
from collections import Counter


class Presence:
    """Counts agents' open console connections and remembers their chosen status."""

    def __init__(self):
        self._connections = Counter()
        self._status = {}  # agent id -> (centre id, "online" | "away")

    def connect(self, agent_id, centre_id, status="online"):
        """Count one more console of agent; return True if it is the agent's first."""
        self._connections[agent_id] += 1
        self._status.setdefault(agent_id, (centre_id, status))
        return self._connections[agent_id] == 1

    def disconnect(self, agent_id):
        """Count one console fewer; return True if the agent has none left."""
        self._connections[agent_id] -= 1
        if self._connections[agent_id] <= 0:
            del self._connections[agent_id]
            self._status.pop(agent_id, None)
            return True
        return False

    def set_status(self, agent_id, centre_id, status):
        """Record an agent's own online/away switch."""
        if agent_id in self._connections:
            self._status[agent_id] = (centre_id, status)

    def is_connected(self, agent_id):
        """Return True if the agent has a console open."""
        return agent_id in self._connections

    def online_in(self, centre_id):
        """Return how many agents of a centre are connected and online."""
        return sum(1 for centre, status in self._status.values()
                   if centre == centre_id and status == "online")
