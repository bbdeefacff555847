"""The per-agent reference: migsim's decision functions driven the plain Mesa way.

Every family's ``step()`` is called every day through ``model.agents.shuffle_do("step")``, and
each family takes its own decisions one at a time with the same functions the batched model
uses. It is the yardstick for the batched path's speed, and a check of its honesty: the two
must agree within ensemble noise (``tests/test_reference.py``).
"""

from __future__ import annotations

from migsim.model import MigrationModel


class PerAgentModel(MigrationModel):
    """The migration model with every family stepped individually each day."""

    def _families_day(self, t: int) -> None:
        self.agents.shuffle_do("step")
        self._serve_metering(t)
        self._serve_detention(t)
