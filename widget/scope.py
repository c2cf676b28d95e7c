"""Who may see and do what: the one scoping rule every door of the console uses.

- an agent sees the conversations they serve and those waiting in their centre's queue
  (which they may accept);
- a supervisor sees every conversation of their centre (and those they serve), and manages the
  knowledge base of the sites whose regions their centre serves;
- an admin sees and manages everything.

Doors ask `may_see(agent, interaction)` (reading: transcript, recordings, files, sync, notes,
history), `may_accept` (interaction.accept), `kb_sites(store, agent)` (every /console/api/kb*
door) and `may_transfer_to` / `transfer_agents`. A conversation outside the caller's scope is
reported as not found, so its existence does not leak. Sending into a conversation needs more:
being the agent who serves it (interactions.require_serving).
"""

from .errors import ZhengnaError
from .models import Interaction

ADMIN = "admin"
SUPERVISOR = "supervisor"


def same_centre(agent: dict, centre_id: str) -> bool:
    """Return True if centre_id is the agent's centre, or the agent is an admin (every centre)."""
    return agent["role"] == ADMIN or agent["centre_id"] == centre_id


def may_see(agent: dict, interaction: Interaction) -> bool:
    """Return True if the account may read (and act within its role on) this conversation."""
    if agent["role"] == ADMIN or interaction.agent_id == agent["id"]:
        return True
    if interaction.centre_id != agent["centre_id"]:
        return False
    return agent["role"] == SUPERVISOR or interaction.state == "queued"


def may_accept(agent: dict, interaction: Interaction) -> bool:
    """Return True if the account may try to take this conversation: one of its centre's (whether
    it is still waiting is the state machine's answer: already_taken)."""
    return same_centre(agent, interaction.centre_id)


def kb_sites(store, agent: dict) -> list[str]:
    """Return the ids of the sites whose knowledge base the account manages, own centre's first."""
    if agent["role"] == ADMIN:
        served = [
            r["site_id"] for r in store.directory.regions() if r["centre_id"] == agent["centre_id"]
        ]
        return list(dict.fromkeys(served + [s["id"] for s in store.directory.sites()]))
    if agent["role"] != SUPERVISOR:
        return []
    return list(
        dict.fromkeys(
            r["site_id"] for r in store.directory.regions() if r["centre_id"] == agent["centre_id"]
        )
    )


def may_transfer_to(agent: dict, target: dict) -> bool:
    """Return True if agent may hand a conversation to target (another enabled account of their
    centre; an admin: of any centre)."""
    return (
        target["id"] != agent["id"]
        and not target["disabled"]
        and same_centre(agent, target["centre_id"])
    )


def transfer_agents(store, agent: dict) -> list[dict]:
    """Return the accounts agent may hand a conversation to."""
    centre = None if agent["role"] == ADMIN else agent["centre_id"]
    return [a for a in store.directory.agents_of(centre) if may_transfer_to(agent, a)]


def require_scope(agent: dict, centre_id: str, interaction=None, serving: bool = False) -> None:
    """Raise unless agent may see this centre's case (a form, follow-up or appeal); serving: unless
    agent is the one serving interaction (acting on its forms is theirs alone, whatever their role).

    Out of scope reads as not found, as for conversations."""
    if serving:
        if interaction is None or interaction.agent_id != agent["id"]:
            raise ZhengnaError("not_your_interaction")
        return
    if agent["role"] == ADMIN or (agent["role"] == SUPERVISOR and agent["centre_id"] == centre_id):
        return
    if interaction is not None and interaction.agent_id == agent["id"]:
        return
    raise ZhengnaError("not_found.record")
