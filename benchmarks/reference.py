"""The per-agent reference: migsim's decision functions driven the plain Mesa way.

Every family's ``step()`` is called every day through ``model.agents.shuffle_do("step")``, and
each family takes its own decisions one at a time with the same functions the batched model
uses. It is the yardstick for the batched path's speed, and a check of its honesty: the two
must agree within ensemble noise (``tests/test_reference.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from migsim.model import MigrationModel


class PerAgentModel(MigrationModel):
    """The migration model with every family stepped individually each day.

    The batched day handles the families due today in one call (``journey.process_events``)
    and the waiting families in another (``border.waiting_day``); here the first is every
    family's own ``step()`` in random order, which takes both its event and its waiting day,
    and the batched waiting day does nothing.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        batched_waiting_day = self.border.waiting_day
        self.stepped_families = 0  # family steps taken, so a test can see the per-agent path

        def every_family_steps(t: int) -> None:
            self.stepped_families += len(self.agents)
            self.agents.shuffle_do("step")

        def one_family_waits(t: int, rows: np.ndarray | None = None) -> None:
            if rows is not None:  # a family's own step; the day's batched call does nothing
                batched_waiting_day(t, rows)

        self.journey.process_events = every_family_steps
        self.border.waiting_day = one_family_waits
