"""The store's reads on the message and accept paths: counts without loading rows."""

from tests.unit.storekit import created


def test_count_in_counts_an_agents_conversations_by_state(store):
    for n in range(3):
        created(store, f"ix{n}", state="connected", agent_id="ag-1")
    created(store, "ix3", state="connected", agent_id="ag-2")
    created(store, "ix4", state="ended", agent_id="ag-1")
    assert store.count_in(["connected"], "ag-1") == 3
    assert store.count_in(["connected", "ended"], "ag-1") == 4
    assert store.count_in(["connected"], "ag-3") == 0
    assert store.count_in(["connected"], "ag-1") == len(
        store.interactions_in(["connected"], agent_id="ag-1")
    )
