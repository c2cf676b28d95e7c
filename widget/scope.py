"""Who may see and act on a conversation's forms, follow-up and appeal: the one rule for them."""

from .errors import Forbidden, NotFound


def require_scope(agent, centre_id, interaction=None, serving=False):
    """Raise unless agent may see this centre's case (serving: act as interaction's agent).

    Administrators see every centre, supervisors and agents their own; an agent also sees a
    conversation they serve. Acting on a conversation's form is for the agent serving it, whatever
    their role."""
    if serving:
        if interaction is None or interaction.agent_id != agent["id"]:
            raise Forbidden(
                "not_your_interaction",
                "该互动不由您接待。",
                "You are not serving this interaction.",
            )
        return
    if agent["role"] == "admin" or centre_id == agent["centre_id"]:
        return
    if interaction is not None and interaction.agent_id == agent["id"]:
        return
    raise NotFound("not_found", "找不到该记录。", "No such record.")
