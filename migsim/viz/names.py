"""Place names as pictures show them: with their accents.

The corridor's data keys are plain ASCII (``Ciudad Juarez``) so that files and command lines
stay easy to type; maps, tables and the app show :func:`display_name` instead.
"""

from __future__ import annotations

ACCENTED: dict[str, str] = {
    "Ciudad Hidalgo / Tecun Uman": "Ciudad Hidalgo / Tecún Umán",
    "Talisman / El Carmen": "Talismán / El Carmen",
    "Ciudad Cuauhtemoc / La Mesilla": "Ciudad Cuauhtémoc / La Mesilla",
    "Talisman river fords": "Talismán river fords",
    "Matias Romero checkpoint": "Matías Romero checkpoint",
    "Catazaja checkpoint": "Catazajá checkpoint",
    "Juchitan": "Juchitán",
    "Queretaro": "Querétaro",
    "San Luis Potosi": "San Luis Potosí",
    "Culiacan": "Culiacán",
    "Comitan": "Comitán",
    "Tuxtla Gutierrez": "Tuxtla Gutiérrez",
    "Torreon": "Torreón",
    "Mazatlan": "Mazatlán",
    "Ciudad Juarez": "Ciudad Juárez",
    "Ciudad Acuna": "Ciudad Acuña",
    "San Luis Rio Colorado": "San Luis Río Colorado",
    "Mexico City": "Mexico City",
}


def display_name(place: str) -> str:
    """A place's name as shown to people (with accents; the key itself if none are needed)."""
    return ACCENTED.get(place, place)
