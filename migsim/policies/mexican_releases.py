"""Mexico's releases of the people its migration officers present (INM)."""

from __future__ import annotations

from typing import Literal

from migsim.policies.base import Lever, param


class MexicanReleases(Lever):
    """A share of the families Mexico stops is released instead of detained for deportation.

    In the model: each stopped family (not turned back at a crossing) is released at once,
    with the probability ``share × intensity``, with an exit permit, and goes on as a family
    released from a full detention centre does. Mexico presents more people than it returns:
    the gap is exit permits, humanitarian visas and asylum claims made from detention, and it
    moved with Mexico's policy (a few per cent in December 2018, half in February 2019).
    Entries overlapping in time take the largest share.
    """

    name = "mexican_releases"
    summary = "Mexico releases a share of the families it stops, with an exit permit."
    lever: Literal["mexican_releases"] = "mexican_releases"
    share: float = param(
        0.15,
        "share of stopped families",
        "2018: 131,445 people presented to INM, about 112,000 deported (Segob)",
        le=1.0,
    )

    def apply(self, policy, corridor, today, level):  # noqa: D102
        policy.released_share = max(policy.released_share, self.share * level)
