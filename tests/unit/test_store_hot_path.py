"""The store's reads on the message and accept paths: counts without loading rows."""

from tests.unit.storekit import created


def test_count_in_counts_an_agents_conversations_by_state(store):
    for n in range(3):
        created(store, f"ix{n}", state="connected", agent_id="ag-1")
    created(store, "ix3", state="connected", agent_id="ag-2")
    created(store, "ix4", state="ended", agent_id="ag-1")
    assert store.conversations.count_in(["connected"], "ag-1") == 3
    assert store.conversations.count_in(["connected", "ended"], "ag-1") == 4
    assert store.conversations.count_in(["connected"], "ag-3") == 0
    assert store.conversations.count_in(["connected"], "ag-1") == len(
        store.conversations.interactions_in(["connected"], agent_id="ag-1")
    )


def test_a_message_moves_the_idle_clock_and_a_state_event_does_not(store):
    from datetime import timedelta

    from tests.unit.storekit import T0, event, message

    created(store, "ix1")
    later = T0 + timedelta(minutes=5)
    store.conversations.append("ix1", [message("c1", at=later)])
    stored = store.conversations.get_interaction("ix1")
    assert (stored.seq, stored.last_activity_at, stored.idle_warned_at) == (2, later, None)
    store.conversations.append("ix1", [event(at=later + timedelta(minutes=5))])
    stored = store.conversations.get_interaction("ix1")
    assert (stored.seq, stored.last_activity_at) == (3, later)


def test_message_ids_sort_by_time_and_stay_unguessable():
    from widget.store import new_time_id

    made = [new_time_id() for _ in range(200)]
    stamps = [i[:14] for i in made]  # the time: a batch's rows meet at the right edge of the index
    assert stamps == sorted(stamps) and int(stamps[-1], 16) - int(stamps[0], 16) < 10**6
    assert len(set(made)) == 200 and all(len(i) <= 32 and i[0].isalnum() for i in made)
    # after the 14 hex digits of time, 96 random bits: no two share them
    assert len({i[14:] for i in made}) == 200 and all(len(i[14:]) == 16 for i in made)


def test_a_queue_position_is_counted_in_the_order_the_queue_is_read(any_store):
    from datetime import timedelta

    from tests.unit.storekit import T0

    store = any_store
    # queued out of id order, two at the same queued_at (then created_at decides), two at the
    # same both (then the id), one of another centre and one no longer waiting
    queued = [("ix-c", 0, 0), ("ix-a", 1, 2), ("ix-b", 1, 1), ("ix-f", 3, 0), ("ix-d", 3, 0)]
    for ix_id, queued_s, created_s in queued:
        created(
            store,
            ix_id,
            state="queued",
            queued_at=T0 + timedelta(seconds=queued_s),
            created_at=T0 + timedelta(seconds=created_s),
        )
    created(store, "ix-x", state="queued", centre_id="other", queued_at=T0)
    created(store, "ix-e", state="connected", queued_at=T0, agent_id="ag-1")
    order = [i.id for i in store.conversations.interactions_in(["queued"], centre_id="demo")]
    assert order == ["ix-c", "ix-b", "ix-a", "ix-d", "ix-f"]
    assert [store.conversations.queue_position(i) for i in order] == [1, 2, 3, 4, 5]
    assert store.conversations.queue_position("ix-x") == 1
    assert store.conversations.queue_position("ix-e") is None
    assert store.conversations.queue_position("no-such") is None
