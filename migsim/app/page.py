"""The app's page: controls in the sidebar, headline cards, and tabs of curves, maps and tables.

``solara run migsim/app/page.py`` serves it (``migsim app`` does so offline). Every change of a
run, a lever, the scale or the seed runs the whole period of both sides in the background: the
chosen seed first (cards and curves update as soon as it is done), then the other seeds of
the band. Nothing needs a Reset. The "Watch it" tab steps the chosen seed day by day instead.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache

import matplotlib.pyplot as plt
import pandas as pd
import solara
import solara.lab

from migsim.app.charts import (
    SIDE_COLOURS,
    SIDES,
    curves_figure,
    outcomes_figure,
    png,
)
from migsim.app.instead import ZOOMS, instead_map, instead_table
from migsim.app.levers import (
    DEFAULT_FAMILIES_PER_YEAR,
    LEVER_CONTROLS,
    MY_SETTINGS,
    ONE_RUN,
    RUN_CHOICES,
    baseline_description,
    baseline_levels,
    levers_off,
    preset,
)
from migsim.app.runs import BAND_SEEDS, HEADLINES, Comparison, Runner, compare
from migsim.app.watch import (
    LAYOUTS,
    START_CHOICES,
    Classroom,
    map_key_png,
    map_png,
    with_key,
)
from migsim.corridor import load_corridor

# solara warns on every page load served over plain http on 127.0.0.1 (it falls back to a
# same-site cookie, which is what a local app wants).
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

RUNNER = Runner()

FULL_SCALE = preset("Baseline 2019").population.families_per_year
SHOW_FROM = {
    "October 2018 (the whole year)": None,
    "May 2019 (a month before the agreement)": dt.date(2019, 5, 1),
}
ASYLUM_MX_CAVEAT = (
    "* Asylum in Mexico: the model's claims for asylum in Mexico are not fitted and run "
    "several times above COMAR's applications (a known misfit, docs/limits.md); read these "
    "shares as 'stopped trying to reach the US, for now', not as a forecast of asylum."
)

# The lessons of docs/app.md: name, settings, what to notice and try.
LESSONS: tuple[tuple[str, dict, str], ...] = (
    (
        "Where do families go instead?",
        {"left": "Baseline 2019", "right": "June 2019 agreement", "show_from": 1, "tab": 1},
        "Notice: Border Patrol apprehensions fall on the right after June 2019 while "
        "apprehensions in Mexico rise. In the map, blue links carry a larger share of "
        "departures on the right. Try: which crossings into Mexico lose families, and which "
        "border cities gain waiting families?",
    ),
    (
        "One lever: the Isthmus checkpoints",
        {
            "left": "Baseline 2019",
            "right": MY_SETTINGS,
            "show_from": 0,
            "tab": 0,
            "levers": {"isthmus_checkpoints.interdiction": 0.5},
        },
        "Notice: stopped in Mexico rises; does reached the US fall as much? Try: move the "
        "Isthmus slider to 0 and to 0.8 and watch the cards answer.",
    ),
    (
        "Chance or policy?",
        {"left": "Baseline 2019", "right": "Baseline 2019", "show_from": 0, "tab": 0},
        "Notice: with the same scenario on both sides the difference is zero for every seed. "
        "Try: raise 'Seeds in the band'; a policy difference smaller than the band is "
        "within chance.",
    ),
)


@dataclass(frozen=True)
class Choices:
    """Everything that defines the runs on the page; a change runs them again.

    One value, so that a lesson setting several controls at once asks for one answer.
    """

    left: str = "Baseline 2019"
    right: str = "June 2019 agreement"
    levers: tuple[tuple[str, float], ...] = ()
    families_per_year: int = DEFAULT_FAMILIES_PER_YEAR
    seed: int = 1
    seeds: int = BAND_SEEDS

    @property
    def settings(self) -> dict[str, float]:
        """The lever settings of "My lever settings", by control key."""
        return {**baseline_levels(), **dict(self.levers)}

    def with_levers(self, settings: Mapping[str, float]) -> Choices:
        """These choices with some lever settings changed."""
        merged = {**self.settings, **{k: round(float(v), 6) for k, v in settings.items()}}
        return replace(self, levers=tuple(sorted(merged.items())))


choices = solara.reactive(Choices().with_levers({}))
show_from = solara.reactive(next(iter(SHOW_FROM)))
tab = solara.reactive(0)
lesson = solara.reactive(-1)


@dataclass(frozen=True)
class WatchFrame:
    """What the "watch it" mode shows: the day, whether the runs go on, a map per run."""

    day: int
    date: dt.date
    running: bool
    pictures: tuple[bytes, ...]


# The "watch it" mode: its runs, the frame shown, whether it plays, where it starts.
room = solara.reactive(None)
frame = solara.reactive(None)
playing = solara.reactive(False)
start_at = solara.reactive(next(iter(START_CHOICES)))
stacked = solara.reactive(False)
zoom = solara.reactive(next(iter(ZOOMS)))
WATCH_LOCK = threading.RLock()

CSS = """
.migsim-controls { width: 300px; min-width: 300px; height: calc(100vh - 8px);
    overflow-y: auto; padding: 8px 12px; border-right: 1px solid #ddd; }
.migsim-main { flex: 1; height: calc(100vh - 8px); overflow-y: auto; padding: 4px 12px; }
.migsim-cards { display: flex; gap: 8px; flex-wrap: wrap; }
.migsim-card { flex: 1; min-width: 165px; padding: 6px 10px; border: 1px solid #ddd;
    border-radius: 6px; box-shadow: 0 1px 2px rgba(0,0,0,0.08); }
.migsim-card .migsim-title { font-size: 16px; font-weight: 600; }
.migsim-card .what { font-size: 13px; color: #555; line-height: 1.2; }
.migsim-card table { font-size: 15px; border-collapse: collapse; }
.migsim-card td { padding: 0 5px 0 0; white-space: nowrap; }
.migsim-card td.num { text-align: right; }
.migsim-card td.band { font-size: 12px; color: #555; line-height: 1.1; }
.migsim-controls .v-input__slider .v-input__slot { flex-wrap: wrap; }
.migsim-controls .v-input__slider .v-input__slot > .v-label {
    flex-basis: 100%; margin-bottom: 2px; font-weight: 500; color: rgba(0, 0, 0, 0.87);
}
.migsim-table { font-size: 14px; border-collapse: collapse; }
.migsim-table th, .migsim-table td { padding: 2px 10px; border-bottom: 1px solid #ddd; }
.migsim-table td.num { text-align: right; }
"""


def corridor_folder():
    """The corridor folder of the presets (every run of the app shares it)."""
    return preset("Baseline 2019").corridor_path()


@cache
def corridor_graph():
    """The corridor of the presets."""
    return load_corridor(corridor_folder()).graph


def watch_layout() -> str:
    """How the watch maps are laid out (a key of ``LAYOUTS``)."""
    side_by_side, one_under_the_other = LAYOUTS
    return one_under_the_other if stacked.value else side_by_side


def choose(**changes) -> None:
    """Change some of the choices (one new answer)."""
    choices.set(replace(choices.value, **changes))


def set_levers(settings: Mapping[str, float]) -> None:
    """Change some lever settings (one new answer)."""
    choices.set(choices.value.with_levers(settings))


def run_choices() -> tuple[str, str | None]:
    """The left and right choices (right ``None`` for one run)."""
    right = choices.value.right
    return choices.value.left, None if right == ONE_RUN else right


def apply_lesson(index: int) -> None:
    """Set the controls for a lesson of docs/app.md."""
    _, setup, _ = LESSONS[index]
    now = replace(choices.value, left=setup["left"], right=setup["right"], levers=())
    choices.set(now.with_levers(setup.get("levers", {})))
    show_from.set(list(SHOW_FROM)[setup["show_from"]])
    tab.set(setup["tab"])
    lesson.set(index)


def warm_note(comparison: Comparison) -> str:
    """A word on how the runs start: warm (simulated before the first day) or empty."""
    days = comparison.sides[0].shown.warm_days
    if days:
        return f" Each run starts warm: {days} days are simulated before 1 October 2018."
    return " Each run starts empty: the first weeks (shaded) fill the roads."


def fmt(value: float) -> str:
    """A count as shown on a card."""
    return f"{value:,.0f}"


def short(value: float, sign: bool = False) -> str:
    """A count in a few characters (15.6k), for a band's ends."""
    text = f"{abs(value) / 1000:.1f}k" if abs(value) >= 1000 else f"{abs(value):.0f}"
    return ("−" if value < 0 else "+" if sign and value > 0 else "") + text


def card_html(comparison: Comparison, key: str, title: str, what: str) -> str:
    """A headline card: each side's count with its band, and the change (right − left)."""
    rows = []
    values = []
    for k, side in enumerate(comparison.sides):
        counts = [o.headline[key] for o in side.outcomes]
        values.append(counts)
        band = f"{short(min(counts))}–{short(max(counts))}" if len(counts) > 1 else ""
        rows.append(
            f"<tr><td style='color:{SIDE_COLOURS[k]}'>{SIDES[k]}</td>"
            f"<td class='num'><b>{fmt(counts[0])}</b></td><td class='band'>{band}</td></tr>"
        )
    if len(values) == 2:
        diffs = [b - a for a, b in zip(values[0], values[1], strict=True)]
        base = values[0][0]
        share = f"{diffs[0] / base:+.0%}" if base else ""
        band = f"{short(min(diffs), True)}…{short(max(diffs), True)}" if len(diffs) > 1 else ""
        rows.append(
            f"<tr><td>Change</td><td class='num'><b>{diffs[0]:+,.0f}</b></td>"
            f"<td class='band'>{share}<br>{band}</td></tr>"
        )
    in_2019 = values[0][0] * comparison.factor
    return (
        f"<div class='migsim-title' title='{what}'>{title}</div>"
        f"<table>{''.join(rows)}</table>"
        f"<div class='what'>{what}; left ≈ {in_2019:,.0f} in 2019's numbers</div>"
    )


@solara.component
def Cards(comparison: Comparison) -> None:
    """The five headline cards, in one row."""
    cards = "".join(
        f"<div class='migsim-card'>{card_html(comparison, key, title, what)}</div>"
        for key, title, what in HEADLINES
    )
    solara.HTML(tag="div", unsafe_innerHTML=cards, classes=["migsim-cards"])


def table_html(table: pd.DataFrame) -> str:
    """The ranked table of where families go instead, as HTML."""
    head = "".join(f"<th>{c}</th>" for c in table.columns)
    rows = []
    for row in table.itertuples(index=False):
        cells = [f"<td>{row[0]}</td>", f"<td>{row[1]}</td>"]
        for value, column in zip(row[2:], table.columns[2:], strict=True):
            text = (
                f"{value:+,.1f}"
                if column.startswith("change")
                else (f"{value:,.1f}" if "per" in column else f"{value:,.0f}")
            )
            cells.append(f"<td class='num'>{text}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table class='migsim-table'><tr>{head}</tr>{''.join(rows)}</table>"


def figure_png(fig) -> bytes:
    """A figure as PNG, closing it if pyplot made it."""
    data = png(fig)
    plt.close(fig)
    return data


def curves_csv(comparison: Comparison) -> str:
    """Every side's and seed's daily series, tidy, as CSV."""
    frames = []
    for k, side in enumerate(comparison.sides):
        for outcome in side.outcomes:
            frame = outcome.daily.reset_index(names="date")
            frame.insert(0, "seed", outcome.spec.seed)
            frame.insert(0, "run", f"{SIDES[k]}: {side.choice}")
            frames.append(frame)
    buffer = io.StringIO()
    pd.concat(frames).to_csv(buffer, index=False)
    return buffer.getvalue()


@solara.component
def Image(data: bytes, name: str) -> None:
    """A picture as wide as its column (``name`` marks it: ``migsim-<name>``)."""
    solara.Image(data, width="100%", classes=["migsim-figure", f"migsim-{name}"])


@solara.component
def Answers(comparison: Comparison) -> None:
    """Cards, then the tabs: curves, where families go instead, outcomes, watch it.

    Only the open tab is drawn.
    """
    Cards(comparison)
    tabs = (
        ("Curves", lambda: CurvesTab(comparison)),
        ("Where families go instead", lambda: Instead(comparison)),
        ("Where they are at the end", lambda: OutcomesTab(comparison)),
        ("Watch it", Watch),
    )
    with solara.lab.Tabs(value=tab.value, on_value=tab.set):
        for index, (name, content) in enumerate(tabs):
            with solara.lab.Tab(name):
                if tab.value == index:
                    content()


@solara.component
def CurvesTab(comparison: Comparison) -> None:
    """The whole period's curves, with PNG and CSV export."""
    start = SHOW_FROM[show_from.value]
    # Drawn in the background, so the cards above show a new answer without waiting for it.
    drawing = solara.lab.use_task(
        lambda: png(curves_figure(comparison, start)), dependencies=[comparison, start]
    )
    curves = drawing.value if drawing.finished else drawing.latest
    if curves is None:
        solara.Text("Drawing the curves…")
        return
    Image(curves, "curves")
    with solara.Row():
        solara.FileDownload(curves, "migsim_curves.png", label="PNG of the curves", icon_name=None)
        solara.FileDownload(
            lambda: curves_csv(comparison),
            "migsim_daily.csv",
            label="CSV of every series",
            icon_name=None,
            mime_type="text/csv",
        )


@solara.component
def OutcomesTab(comparison: Comparison) -> None:
    """Where each run's families are on the last day, with the asylum-in-Mexico caveat."""
    bars = solara.use_memo(lambda: figure_png(outcomes_figure(comparison)), [comparison])
    Image(bars, "outcomes")
    solara.FileDownload(bars, "migsim_outcomes.png", label="PNG of the chart", icon_name=None)
    solara.Text(ASYLUM_MX_CAVEAT, style={"font-size": "14px"})


@solara.component
def Instead(comparison: Comparison) -> None:
    """The difference map and the ranked table (two runs only)."""
    if len(comparison.sides) < 2:
        solara.Info("Choose a right run to see where families go instead.")
    else:
        InsteadOfTwo(comparison)


@solara.component
def InsteadOfTwo(comparison: Comparison) -> None:
    """The difference map and the ranked table of two runs."""
    graph = corridor_graph()
    picture = solara.use_memo(
        lambda: figure_png(instead_map(comparison, graph, zoom=zoom.value)),
        [comparison, zoom.value],
    )
    table = solara.use_memo(lambda: instead_table(comparison, graph), [comparison])
    left, right = (side.shown.departures for side in comparison.sides[:2])
    solara.Text(
        f"Shares are per 1,000 departures of each run (all departures, new attempts "
        f"included): left {left:,.0f}, right {right:,.0f} departures. Counts are families "
        "in the runs.",
        style={"font-size": "14px"},
    )
    solara.ToggleButtonsSingle(value=zoom, values=list(ZOOMS))
    Image(picture, "difference-map")
    solara.HTML(tag="div", unsafe_innerHTML=table_html(table))
    buffer = io.StringIO()
    table.to_csv(buffer, index=False)
    with solara.Row():
        solara.FileDownload(picture, "migsim_instead.png", label="PNG of the map", icon_name=None)
        solara.FileDownload(
            buffer.getvalue(), "migsim_instead.csv", label="CSV of the table", icon_name=None
        )


@solara.component
def Watch() -> None:
    """The day-by-day maps of the chosen seed, with play, pause, a week on and run to end."""

    def show(classroom: Classroom) -> None:
        layout, extent = watch_layout(), ZOOMS[zoom.value]
        pictures = tuple(map_png(classroom, i, layout, extent) for i in range(len(classroom.runs)))
        frame.set(WatchFrame(classroom.day, classroom.date, classroom.running, pictures))

    def redraw() -> None:
        with WATCH_LOCK:
            if room.value is not None:
                show(room.value)

    def build() -> None:
        left, right = run_choices()
        playing.set(False)
        classroom = Classroom(
            left,
            right or ONE_RUN,
            families_per_year=choices.value.families_per_year,
            seed=choices.value.seed,
            start_at=start_at.value,
            levers=choices.value.settings,
        )
        with WATCH_LOCK:
            room.set(classroom)
            show(classroom)

    def advance(days: int) -> None:
        with WATCH_LOCK:
            classroom = room.value
            if classroom is not None:
                for _ in range(days):
                    classroom.step()
                show(classroom)

    def play() -> None:
        while playing.value and frame.value is not None and frame.value.running:
            advance(3)
            time.sleep(0.05)
        playing.set(False)

    solara.lab.use_task(play, dependencies=[playing.value])
    # The same day again in the new view or layout.
    solara.use_effect(redraw, [zoom.value, stacked.value])
    now = frame.value
    running = now is not None and now.running
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Select("Watch from", values=list(START_CHOICES), value=start_at)
        solara.Button("Start watching", on_click=build, color="primary")
        solara.Button(
            "❚❚ Pause" if playing.value else "▶ Play",
            on_click=lambda: playing.set(not playing.value),
            disabled=not running,
        )
        solara.Button("A week on", on_click=lambda: advance(7), disabled=not running)
        solara.Button("Run to end", on_click=lambda: advance(366), disabled=not running)
        solara.Checkbox(label="Larger maps, one under the other", value=stacked)
    solara.ToggleButtonsSingle(value=zoom, values=list(ZOOMS))
    if now is None:
        solara.Text(
            "Press Start watching to run the chosen seed day by day, with a map per run.",
            style={"font-size": "14px"},
        )
        return
    if not now.running:
        solara.Success(f"End of the run: {now.date:%d %B %Y}. Press Start watching to begin again.")
    if stacked.value:  # each map as wide as the page: larger names, one under the other
        for index, picture in enumerate(now.pictures):
            Image(picture, f"watch-map-{index}")
    else:
        with solara.Columns([1] * len(now.pictures)):
            for index, picture in enumerate(now.pictures):
                Image(picture, f"watch-map-{index}")
    key = map_key_png(str(corridor_folder()))
    solara.Image(key, classes=["migsim-figure", "migsim-watch-key"])
    with solara.Row():
        for index, picture in enumerate(now.pictures):
            solara.FileDownload(
                lambda picture=picture: with_key(picture, key),
                f"migsim_{SIDES[index].lower()}_{now.date:%Y-%m-%d}.png",
                label=f"PNG of the {SIDES[index].lower()} map",
                icon_name=None,
            )


def choice_slider(label: str, name: str, low: int, high: int, step: int = 1) -> None:
    """A slider bound to one of the choices (``name``: a field of :class:`Choices`)."""
    solara.SliderInt(
        label,
        value=getattr(choices.value, name),
        on_value=lambda v: choose(**{name: int(v)}),
        min=low,
        max=high,
        step=step,
    )


@solara.component
def Controls() -> None:
    """The sidebar: lessons, runs, scale, seeds and levers."""
    solara.Text("Lessons", style={"font-weight": "600"})
    for index, (name, _, _) in enumerate(LESSONS):
        solara.Button(name, on_click=lambda i=index: apply_lesson(i), small=True, text=True)
    now = choices.value
    solara.Select("Left run", values=RUN_CHOICES, value=now.left, on_value=lambda v: choose(left=v))
    solara.Select(
        "Right run",
        values=[ONE_RUN, *RUN_CHOICES],
        value=now.right,
        on_value=lambda v: choose(right=v),
    )
    solara.Select("Show from", values=list(SHOW_FROM), value=show_from)
    factor = FULL_SCALE / now.families_per_year
    choice_slider(
        f"Scale: {now.families_per_year:,} new families a year",
        "families_per_year",
        5_000,
        60_000,
        5_000,
    )
    solara.Text(
        f"At the base rate of leaving; 2019: {FULL_SCALE:,.0f} (×{factor:.1f}). More "
        "families set off than this as news of those who got through spreads.",
        style={"font-size": "13px"},
    )
    choice_slider(f"Seed: {now.seed}", "seed", 1, 50)
    choice_slider(f"Seeds in the band: {now.seeds}", "seeds", 1, 6)
    LeverCard()


@solara.component
def LeverCard() -> None:
    """The lever controls, each with how it works and the fact behind its default."""
    with solara.Card("My lever settings"):
        solara.Text(
            "Used by a run set to My lever settings: the baseline 2019 year with each lever "
            "at the level set here, on the baseline's dates (0 switches a lever off). Numbers "
            f"of families are at 2019's scale ({FULL_SCALE:,.0f} families a year).",
            style={"font-size": "13px"},
        )
        with solara.Row():
            solara.Button(
                "Baseline 2019 levels",
                on_click=lambda: set_levers(baseline_levels()),
                small=True,
                outlined=True,
            )
            solara.Button(
                "All levers off",
                on_click=lambda: set_levers(levers_off()),
                small=True,
                outlined=True,
            )
        settings = choices.value.settings
        for control in LEVER_CONTROLS:
            value = settings[control.key]

            def on_value(new, key=control.key) -> None:
                set_levers({key: float(new)})

            with solara.Column(gap="0px", style={"margin-top": "12px"}, classes=["migsim-lever"]):
                if control.is_switch:
                    solara.Checkbox(label=control.label, value=bool(value), on_value=on_value)
                else:
                    integer = control.step >= 1
                    slider = solara.SliderInt if integer else solara.SliderFloat
                    slider(
                        control.label,
                        value=int(value) if integer else float(value),
                        on_value=on_value,
                        min=control.low,
                        max=control.high,
                        step=control.step,
                    )
                    solara.Text(
                        f"Set here: {value:,.4g}. In the Baseline 2019 scenario: "
                        f"{baseline_description(control.key)}.",
                        style={"font-size": "13px", "font-weight": "bold"},
                    )
                solara.Text(control.how, style={"font-size": "13px"})
                solara.Text(control.fact(), style={"font-size": "13px", "color": "#666"})


def answer_now(key: Choices, on_early, is_current) -> Comparison:
    """The whole-period comparison of a set of choices: the chosen seed, then the band.

    Each comparison's ``seconds`` is the time from the request to it.
    """
    began = time.perf_counter()
    right = None if key.right == ONE_RUN else key.right
    left, settings, count = key.left, key.settings, key.seeds
    kwargs = {"families_per_year": key.families_per_year, "seed": key.seed}
    kwargs["is_current"] = is_current
    if count > 1:
        first = compare(RUNNER, left, right, settings, seeds=1, **kwargs)
        on_early(replace(first, seconds=time.perf_counter() - began))
    # The band leaves a worker free, so a lever moved meanwhile is answered without waiting.
    band_workers = max(1, RUNNER.workers - 1)
    found = compare(RUNNER, left, right, settings, seeds=count, at_once=band_workers, **kwargs)
    return replace(found, seconds=time.perf_counter() - began)


@solara.component
def Page() -> None:
    """The whole page."""
    solara.Title(
        "migsim: families from Guatemala, Honduras and El Salvador to the US border, 2018–19"
    )
    solara.Style(CSS)
    key = choices.value
    early = solara.use_reactive(None)
    latest = solara.use_ref(None)
    solara.use_effect(RUNNER.start, [])

    def answer() -> Comparison:
        token = latest.current = object()
        return answer_now(key, lambda c: early.set((key, c)), lambda: latest.current is token)

    task = solara.lab.use_task(answer, dependencies=[key])
    with solara.Row(gap="0px", style={"flex-wrap": "nowrap"}):
        with solara.Column(classes=["migsim-controls"], gap="6px"):
            Controls()
        with solara.Column(classes=["migsim-main"], gap="6px"):
            Main(key, task, early.value)


@solara.component
def Main(key: Choices, task, early) -> None:
    """The answers: the newest comparison of the choices, or what is running.

    Every element keeps its place whatever the state (a notice is empty rather than absent),
    so the pictures below are not drawn again while new runs are on their way.
    """
    with solara.Column(gap="0px", style={"margin": "0", "padding": "0"}):
        if lesson.value >= 0:
            name, _, notes = LESSONS[lesson.value]
            end = " " if name.endswith("?") else ". "
            solara.Info(f"Lesson — {name}{end}{notes}", dense=True, classes=["mb-1"])
    stale = False
    if task.finished and task.value is not None:
        comparison = task.value
    elif early is not None and early[0] == key:
        comparison = early[1]
    else:
        comparison, stale = task.latest, True
    solara.ProgressLinear(bool(task.pending))
    with solara.Column(gap="0px", style={"margin": "0", "padding": "0"}):
        if task.error:
            solara.Error(f"The runs failed: {task.exception}")
    if comparison is None:
        solara.Text("Running the whole year for both runs…", classes=["migsim-status"])
        return
    seeds_text = f"seed {comparison.seeds[0]}"
    if len(comparison.seeds) > 1:
        seeds_text = f"seeds {comparison.seeds[0]}–{comparison.seeds[-1]}"
    more = "" if task.finished else "; the band's other seeds are running"
    if stale:
        more = "; updating to the new choices…"
    took = f"answered in {comparison.seconds:.1f} s"
    if comparison.seconds < 0.05:
        took = "answered in 0.0 s from runs already done"
    solara.Text(
        f"The whole year, {seeds_text}, {took}{more}. "
        f"Counts are of families in the runs; ×{comparison.factor:.1f} gives 2019's "
        f"numbers.{warm_note(comparison)}",
        classes=["migsim-status"],
        style={"font-size": "14px"},
    )
    Answers(comparison)


def prepare() -> None:
    """Start the workers and run the opening choices, so the first page answers at once."""
    try:
        answer_now(Choices().with_levers({}), lambda _: None, lambda: True)
    except Exception:  # noqa: BLE001 - the page will run them again and show any error
        pass


# Served by ``solara run`` this file is ``__main__``; imported by a worker process (as
# ``__mp_main__``) or by a test it starts nothing.
if __name__ == "__main__":
    threading.Thread(target=prepare, daemon=True, name="migsim-prepare").start()
