"""Which agents have a console open: counted in this process, or shared by every process through
Redis."""

import time
import uuid
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
        return sum(
            1
            for centre, status in self._status.values()
            if centre == centre_id and status == "online"
        )

    def connected_agents(self):
        """Return the ids of every agent with a console open."""
        return set(self._connections)

    def refresh(self):
        """Nothing to renew when presence lives in this process."""


class RedisPresence(Presence):
    """Presence shared by every server process through one Redis hash: each process writes a field
    per agent it holds consoles of ("agent|process" -> "centre|status|expires"), refreshes it, and
    deletes it when the agent's last console here closes; a process that dies stops counting once
    its fields expire."""

    # seconds a field lives without a refresh (refresh() runs every few seconds with the sweeper)
    TTL = 30.0

    def __init__(self, client, clock=time.time, key="zhengna:presence"):
        super().__init__()
        self.client, self.clock, self.key = client, clock, key
        self.process = uuid.uuid4().hex

    def _field(self, agent_id):
        return f"{agent_id}|{self.process}"

    def _write(self, agent_id):
        centre_id, status = self._status[agent_id]
        self.client.hset(
            self.key, self._field(agent_id), f"{centre_id}|{status}|{self.clock() + self.TTL:.0f}"
        )

    def _live(self):
        """Yield (agent id, centre id, status) for every unexpired field, from every process."""
        now = self.clock()
        for field, value in self.client.hgetall(self.key).items():
            agent_id = field.decode().split("|", 1)[0]
            centre_id, status, expires = value.decode().rsplit("|", 2)
            if float(expires) > now:
                yield agent_id, centre_id, status

    def connect(self, agent_id, centre_id, status="online"):
        first = super().connect(agent_id, centre_id, status)
        self._write(agent_id)
        return first

    def disconnect(self, agent_id):
        """Count one console fewer; return True if the agent has none left in any process."""
        if not super().disconnect(agent_id):
            return False
        self.client.hdel(self.key, self._field(agent_id))
        return not self.is_connected(agent_id)

    def set_status(self, agent_id, centre_id, status):
        super().set_status(agent_id, centre_id, status)
        if agent_id in self._connections:
            self._write(agent_id)

    def is_connected(self, agent_id):
        return any(agent == agent_id for agent, _, _ in self._live())

    def connected_agents(self):
        return {agent for agent, _, _ in self._live()}

    def online_in(self, centre_id):
        return len(
            {
                agent
                for agent, centre, status in self._live()
                if centre == centre_id and status == "online"
            }
        )

    def refresh(self):
        """Renew this process's fields and drop any process's expired ones."""
        for agent_id in list(self._connections):
            self._write(agent_id)
        now = self.clock()
        stale = [
            field
            for field, value in self.client.hgetall(self.key).items()
            if float(value.decode().rsplit("|", 1)[1]) <= now
        ]
        if stale:
            self.client.hdel(self.key, *stale)
