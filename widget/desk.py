"""The agent's desk: accept, end, transfer, notes, the taxpayer's history, presence and its grace
period."""

from . import scope, states
from .errors import IllegalTransition, ProtocolError, ZhengnaError
from .interactions import not_found, require_serving
from .models import Actor


class Desk:
    """What agents do to conversations, through the Service's one path to the state machine."""

    def __init__(self, service):
        self.service, self.store = service, service.store

    def accept(self, agent, interaction_id):
        """Give a waiting task to agent (接入); exactly one of two racing agents gets it."""
        interaction = self.service.get(interaction_id)
        if not scope.may_accept(agent, interaction):
            raise not_found()
        self._check_capacity(agent)
        try:
            result = self.service.transition(
                interaction.id,
                "accept",
                Actor.agent(agent),
                agent_id=agent["id"],
                agent_left_at=None,
            )
        except IllegalTransition:
            raise ZhengnaError("already_taken") from None
        self.service.audit(agent, "accept", interaction.id, {})
        return result

    def end(self, agent, interaction_id, category=""):
        """End the conversation as its agent; the taxpayer is offered the rating."""
        interaction = self.service.get(interaction_id)
        require_serving(interaction, agent["id"])
        result = self.service.transition(
            interaction_id, "end", Actor.agent(agent), detail={"category": category}
        )
        self.service.audit(agent, "end", interaction_id, {"category": category})
        return result

    def transfer(self, agent, interaction_id, to_agent=None, to_centre=None, note=""):
        """Hand a conversation to another agent, or back to a centre's queue (转接), with an
        internal note."""
        interaction = self.service.get(interaction_id)
        require_serving(interaction, agent["id"])
        if bool(to_agent) == bool(to_centre):
            raise ProtocolError("bad_field.transfer_target")
        actor = Actor.agent(agent)
        if to_agent:
            target = self.store.directory.get_agent(to_agent)
            if target is None or not scope.may_transfer_to(agent, target):
                raise ZhengnaError("not_found.transfer_agent")
            self._check_capacity(target)
            left = (
                None if self.service.presence.is_connected(target["id"]) else self.service.clock()
            )
            result = self.service.transition(
                interaction_id,
                "transfer_to_agent",
                actor,
                detail={"to_agent": target["id"]},
                agent_id=target["id"],
                agent_left_at=left,
            )
        else:
            if self.store.directory.get_centre(to_centre) is None:
                raise ZhengnaError("not_found.transfer_centre")
            result = self.service.transition(
                interaction_id,
                "transfer_to_queue",
                actor,
                detail={"to_centre": to_centre},
                centre_id=to_centre,
                queued_at=interaction.queued_at or interaction.created_at,
            )
        if note:
            self.add_note(agent, interaction_id, note, check=False)
        self.service.audit(
            agent, "transfer", interaction_id, {"to_agent": to_agent, "to_centre": to_centre}
        )
        return result

    def add_note(self, agent, interaction_id, text, check=True):
        """Store an internal note on a conversation: agents see it, the taxpayer never does."""
        if check:
            self.service.visible_to_agent(agent, interaction_id)
        note = self.service.message_event(
            Actor.agent(agent), None, text, "note", self.service.clock(), extra={"internal": True}
        )
        rows = self.service.uow.append(interaction_id, [note])
        return rows[0]["seq"]

    def history_of(self, agent, interaction_id):
        """Return the same taxpayer's other conversations, for the agent serving or seeing this
        one."""
        interaction = self.service.visible_to_agent(agent, interaction_id)
        items = self.store.conversations.interactions_of(
            interaction.site_id, interaction.tin, interaction.sub
        )
        return [self.service.public_view(i) for i in items if i.id != interaction_id]

    def record_view(self, agent, interaction):
        """Audit an agent reading a transcript that is not theirs right now."""
        if interaction.agent_id != agent["id"]:
            self.service.audit(
                agent, "view_transcript", interaction.id, {"state": interaction.state}
            )

    def _check_capacity(self, agent):
        busy = self.store.conversations.count_in([states.State.CONNECTED.value], agent["id"])
        if busy >= agent["max_concurrent"]:
            raise ZhengnaError("at_capacity", {"agent": agent["id"]}, busy=busy)

    def agent_connected(self, agent):
        """Note an agent's console is back: their conversations are no longer orphaned."""
        for interaction in self.store.conversations.interactions_in(
            [states.State.CONNECTED.value], agent_id=agent["id"]
        ):
            if interaction.agent_left_at is not None:
                self.service.agent_back(interaction)

    def agent_disconnected(self, agent_id):
        """Start the grace period on the conversations of an agent whose last console closed."""
        now = self.service.clock()
        for interaction in self.store.conversations.interactions_in(
            [states.State.CONNECTED.value], agent_id=agent_id
        ):
            self.service.agent_absent(interaction, now)
