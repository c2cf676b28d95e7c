"""The one unit of work for every change to a conversation: load, decide, commit, retry, publish,
then the after-commit hooks.

Everything that writes a conversation's state or its events (the taxpayer, the agent, the bot, a
call, the sweeper, a rating, a form) hands its change to a UnitOfWork. The commit goes through the
store, whose group writer gathers the changes of many conversations into one transaction (store/
writer.py) and answers each only after that transaction has committed. Only then is anything
published on the bus, and only then do the hooks run; a change that fails (a lost version race, a
duplicate client id, a refusal) publishes nothing and runs no hook.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from . import protocol
from .errors import ZhengnaError
from .models import Interaction
from .store import Conflict

if TYPE_CHECKING:
    from .bus.base import Bus
    from .store import Store

Row = dict[str, Any]  # a stored event as a dict
Frame = dict[str, Any]  # a JSON frame for clients
# what a change decides from the interaction as loaded: (after, events to append), or None to
# leave it as it is
Step = Callable[[Interaction, datetime], "tuple[Interaction, list[Row]] | None"]
# run after a committed change, in registration order: (before, or None when created; after)
Hook = Callable[["Interaction | None", Interaction], None]
T = TypeVar("T")
log = logging.getLogger(__name__)

RETRIES = 5  # optimistic-concurrency retries before telling the client to try again
RECENT = 20_000  # interactions kept as last read (UnitOfWork.recent); the oldest goes first


class UnitOfWork:
    """Commits conversation changes through the store, retries lost races, publishes, runs
    hooks."""

    def __init__(self, store: Store, bus: Bus, clock: Callable[[], datetime]) -> None:
        self.store, self.bus, self.clock = store, bus, clock
        self._hooks: list[Hook] = []
        self._recent: dict[str, Interaction] = {}

    def on_commit(self, hook: Hook) -> None:
        """Call hook(before, after) after every committed change or creation of an interaction."""
        self._hooks.append(hook)

    # -- reading -----------------------------------------------------------------------------

    def load(self, interaction_id: str) -> Interaction:
        """Return an interaction as stored now, or raise not_found."""
        interaction = self.store.conversations.get_interaction(interaction_id)
        if interaction is None:
            raise not_found()
        self._remember(interaction)
        return interaction

    def recent(self, interaction_id: str) -> Interaction:
        """Return the interaction as this process last read it (loading it if it has not): its
        identity never changes, but its state may have moved on in another process. Fit for what
        a commit checks again by version (append(..., version=)); anything else loads."""
        interaction = self._recent.get(interaction_id)
        return interaction if interaction is not None else self.load(interaction_id)

    def _remember(self, interaction: Interaction) -> None:
        self._recent.pop(interaction.id, None)
        if len(self._recent) >= RECENT:
            del self._recent[next(iter(self._recent))]  # the oldest read
        self._recent[interaction.id] = interaction

    # -- writing -----------------------------------------------------------------------------

    def change(self, interaction_id: str, step: Step) -> Interaction:
        """Load the interaction, let step decide, commit; on a lost race load and decide again.

        Returns the interaction after the change (as loaded when step changed nothing)."""

        def attempt() -> Interaction:
            before = self.load(interaction_id)
            return self._commit(before, step)

        return self.retrying(attempt)

    def change_once(self, before: Interaction, step: Step) -> Interaction | None:
        """Commit step's change to before as it was read; return None if it moved on since (the
        caller's reason for the change went with it: the sweeper looks again on its next pass)."""
        try:
            return self._commit(before, step)
        except Conflict:
            return None

    def create(self, record: Interaction, events: list[Row]) -> list[Row]:
        """Store a new interaction with its first events; publish them; run the hooks."""
        rows = self.store.conversations.create_interaction(record, events)
        self.publish(rows)
        self._run_hooks(None, record)
        return rows

    def append(
        self, interaction_id: str, events: list[Row], version: int | None = None
    ) -> list[Row]:
        """Append events without a change of state; publish them. Raises store.Duplicate (and
        stores nothing) when a message's client id was stored before; with version, raises
        store.Conflict (and stores nothing) when the interaction has changed since that version."""
        try:
            return self.write(
                lambda: self.store.conversations.append(interaction_id, events, version)
            )
        except Conflict:
            self._recent.pop(interaction_id, None)
            raise

    def write(self, commit: Callable[[], list[Row]]) -> list[Row]:
        """Run one of the store's other conversation writes (a rating, a form), which append the
        events it returns; publish them once it has committed."""
        rows = commit()
        self.publish(rows)
        return rows

    @staticmethod
    def retrying(attempt: Callable[[], T]) -> T:
        """Return attempt(), run again while it loses a race (store.Conflict); raise busy after
        RETRIES."""
        for _ in range(RETRIES):
            try:
                return attempt()
            except Conflict:
                continue
        raise ZhengnaError("busy")

    def _commit(self, before: Interaction, step: Step) -> Interaction:
        decided = step(before, self.clock())
        if decided is None:
            return before
        after, events = decided
        self._recent.pop(before.id, None)  # its version moves on (or another change moved it)
        rows = self.store.conversations.commit(before, after, events)
        self.publish(rows)
        self._run_hooks(before, after)
        return after

    def _run_hooks(self, before: Interaction | None, after: Interaction) -> None:
        for hook in self._hooks:
            try:
                hook(before, after)
            except Exception:  # what committed stays committed and was published; say so, go on
                log.exception("an after-commit hook failed for %s", after.id)

    # -- publishing --------------------------------------------------------------------------

    def publish(self, rows: Iterable[Row]) -> None:
        """Publish stored events to everyone following their interaction."""
        for row in rows:
            self.bus.publish(
                f"ix:{row['interaction_id']}",
                {
                    "kind": "event",
                    "frame": protocol.event_frame(row),
                    "internal": bool(row["payload"].get("internal")),
                },
            )

    def ephemeral(self, interaction_id: str, frame: Frame, from_role: str) -> None:
        """Publish a frame that is neither stored nor replayed (typing, read, positions)."""
        self.bus.publish(
            f"ix:{interaction_id}", {"kind": "ephemeral", "frame": frame, "from_role": from_role}
        )


def not_found() -> ZhengnaError:
    """Return the error for a missing (or someone else's) interaction."""
    return ZhengnaError("not_found.interaction")
