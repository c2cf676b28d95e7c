"""Chaos in the suite: the server killed with SIGKILL ten times while both sides keep typing.

Three taxpayer/agent pairs over real WebSockets, each side sending every 2 s and resending what
was not acknowledged after each reconnect (bench/chaos.py has the scenario and the larger runs).
"""

import pytest

from bench import chaos


@pytest.mark.timeout(420)  # ten restarts of a server that builds its bot index on start
def test_ten_sigkills_lose_duplicate_and_reorder_nothing(tmp_path):
    figures = chaos.run(pairs=3, kills=10, gap=(0.2, 1.5), base=tmp_path, max_seconds=300)
    assert figures["faults"] == {"kill 0": 10}, figures
    assert figures["typed"] > 0 and not figures["refused"], figures
    assert figures["typed"] == figures["stored"] == figures["delivered"], figures
    assert figures["duplicates"] == figures["out_of_order"] == figures["stuck"] == 0, figures
