"""Finding the places a scenario names, with one clear message when a name is wrong."""

from __future__ import annotations

from migsim.corridor import Corridor
from migsim.errors import InputError
from migsim.policies import nearest


def place_id(corridor: Corridor, name: str, kind: str, what: tuple[str, str], key: str, spec):
    """The id of a place a scenario names, which must be of ``kind``.

    Args:
        corridor: The corridor.
        name: The place's name.
        kind: The kind it must be (``"origin"``, ``"border_city"``, ...).
        what: How the message names one such place and many (``("an origin", "origins")``).
        key: The scenario key that names it.
        spec: The scenario (its path names the file in the message).

    Raises:
        InputError: Naming the nearest place of that kind and listing them all.
    """
    ids = corridor.of_kind(kind)
    if name not in corridor.index or corridor.index[name] not in ids:
        valid = corridor.names(ids)
        raise InputError(
            spec.path or "scenario",
            f"'{name}' is not {what[0]} in the corridor{nearest(name, valid)}; "
            f"{what[1]} are: {', '.join(valid)}",
            key=key,
        )
    return corridor.index[name]
