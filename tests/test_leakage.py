"""No figure from after the fitted window (31 May 2019) reaches the calibration or a default."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from migsim.scenario import Population

ROOT = Path(__file__).resolve().parent.parent
OBSERVED = ROOT / "models" / "northern_triangle_2019" / "observed"
LAST_DAY = dt.date(2019, 5, 31)
DATE_COLUMNS = ("month", "period", "year", "as_of", "date")
# Figures published after May 2019 that once entered a default: the FY2019 total of Border
# Patrol family-unit apprehensions (October 2018 - September 2019).
LATER_FIGURES = ("473,682", "473682", "FY2019: ", "FY2019 Border Patrol family-unit")


def last_day(value: str) -> dt.date:
    """The last day a date-like value covers: a year's 31 December, a month's last day."""
    text = str(value).strip()
    if len(text) == 4:
        return dt.date(int(text), 12, 31)
    if len(text) == 7:
        return pd.Period(text, freq="M").end_time.date()
    return dt.date.fromisoformat(text[:10])


def test_no_observed_file_has_a_date_after_may_2019():
    files = sorted(OBSERVED.glob("*.csv"))
    assert files
    checked = 0
    for file in files:
        frame = pd.read_csv(file, dtype=str)
        for column in [c for c in frame.columns if c in DATE_COLUMNS]:
            for value in frame[column].dropna():
                assert last_day(value) <= LAST_DAY, f"{file.name}: {column} {value}"
                checked += 1
    assert checked > 40


def test_the_population_default_does_not_derive_from_later_figures():
    texts = [str(Population.model_fields["families_per_year"].description)]
    texts += [p.read_text() for p in (ROOT / "models").rglob("scenarios/*.yaml")]
    for text in texts:
        for figure in LATER_FIGURES:
            assert figure not in text
