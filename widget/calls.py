"""Video calls inside a connected interaction: the call states, signalling to the media worker,
recordings."""

import dataclasses
import logging
from datetime import datetime
from pathlib import Path

import gevent

from . import states
from .errors import ZhengnaError
from .interactions import require_serving
from .store import new_id

log = logging.getLogger(__name__)


class Calls:
    """Every call.* change is a step of the unit of work through states.apply_call; the worker
    carries the media."""

    def __init__(self, uow, data_dir, workers=None):
        self.uow, self.store, self.data_dir = uow, uow.store, data_dir
        self.workers = workers  # media.Workers, None when off
        uow.on_commit(self.ended)

    def _party(self, actor, interaction_id):
        interaction = self.uow.load(interaction_id)
        if actor.role == "agent":
            require_serving(interaction, actor.id)
        return interaction

    def change(self, actor, interaction_id, event):
        """Apply a call event (request, accept, decline, cancel, hangup, ring_timeout) by actor."""
        if event == "request":
            self._require_workers()
            self.workers.require_live()

        def step(before, now):
            if actor.role == "agent":
                require_serving(before, actor.id)
            after = states.apply_call(before, event, actor, now)
            if event == "request":
                after = dataclasses.replace(after, call_id=new_id(), call_worker=None)
            elif event == "accept":
                self._require_workers()
                after = dataclasses.replace(after, call_worker=self.workers.pick(after.call_id))
            row = {
                "type": "call.state",
                "actor": actor,
                "at": now,
                "payload": {"call": after.call_state, "event": event, "call_id": after.call_id},
            }
            return after, [row]

        after = self.uow.change(interaction_id, step)
        self.store.conversations.log_call_event(
            {
                "interaction_id": interaction_id,
                "event": event,
                "call_state": after.call_state,
                "actor_role": actor.role,
                "actor_id": actor.id,
                "created_at": after.updated_at,
            }
        )
        return after

    def ended(self, before, after):
        """Close the media of a call that just ended (hang-up, decline, the conversation ending):
        a hook of every committed change."""
        if (
            before is not None
            and before.call_state == states.Call.ACTIVE.value
            and after.call_state == states.Call.NONE.value
            and before.call_id
            and before.call_worker
            and self.workers is not None
        ):
            gevent.spawn(self._collect, before)

    def _collect(self, interaction):
        """Ask the worker to finish the call and index what it recorded (only WebM files of this
        call under DATA_DIR/recordings/<call id>/: a worker's word is not trusted for a path)."""
        data_dir = self.data_dir
        for item in self.workers.client(interaction.call_worker).end(interaction.call_id):
            try:
                recording_path(data_dir, interaction.call_id, item.get("file"), open_it=True)
            except ValueError as exc:
                log.warning("recording of call %s refused: %s", interaction.call_id, exc)
                continue
            self.store.media.save_recording(
                {
                    "id": new_id(),
                    "call_id": interaction.call_id,
                    "interaction_id": interaction.id,
                    "kind": item["kind"],
                    "file": item["file"],
                    "started_at": _parse(item.get("started_at")),
                    "duration": int(round(float(item["duration"]) * 1000)),
                    "size": int(item["size"]),
                    "sha256": item["sha256"],
                    "streams": item.get("streams", {}),
                    "created_at": self.uow.clock(),
                }
            )

    def offer(self, actor, interaction_id, sdp, restart=False):
        """Return the worker's answer to this side's offer; only while the call is active. A restart
        (the side's media dropped) is told to both sides at once: the worker reports only when the
        new connection is up."""
        interaction = self._party(actor, interaction_id)
        if interaction.call_state != states.Call.ACTIVE.value or not interaction.call_id:
            raise ZhengnaError("no_active_call")
        self._require_workers()
        if restart:
            self._tell_media(interaction, actor.role, "reconnecting")
        return self.workers.client(interaction.call_worker).answer(
            interaction.call_id, actor.role, sdp
        )

    def _require_workers(self):
        if self.workers is None:
            raise ZhengnaError("media_unavailable.off")

    def media_state(self, call_id, role, state):
        """Tell both sides how one side's media connection is doing (from the worker's events)."""
        interaction = self.store.conversations.interaction_by_call(call_id)
        if interaction is not None:
            self._tell_media(interaction, role, state)

    def _tell_media(self, interaction, role, state):
        self.uow.ephemeral(
            interaction.id,
            {"type": "call.media", "interaction_id": interaction.id, "role": role, "state": state},
            "system",
        )


def _parse(value):
    return datetime.fromisoformat(value) if value else None


def recording_path(data_dir, call_id, file, open_it=False):
    """Return the absolute path of a call's recording file; raise ValueError unless it is a .webm
    file under DATA_DIR/recordings/<call id>/ (and, with open_it, a WebM PyAV can open)."""
    folder = (Path(data_dir).resolve() / "recordings" / str(call_id)).resolve()
    if not isinstance(file, str) or not file:
        raise ValueError("no file named")
    path = (Path(data_dir).resolve() / file).resolve()
    if path.parent != folder or path.suffix != ".webm" or not path.is_file():
        raise ValueError(f"{file!r} is not a .webm file in recordings/{call_id}/")
    if open_it:
        import av

        try:
            with av.open(str(path)) as container:
                kind = container.format.name
        except (av.error.FFmpegError, OSError) as exc:
            raise ValueError(f"{file!r} cannot be opened: {exc}") from None
        if "webm" not in kind and "matroska" not in kind:
            raise ValueError(f"{file!r} is {kind}, not WebM")
    return path
