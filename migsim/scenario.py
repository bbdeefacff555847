"""Scenarios: a corridor, a population, behaviour parameters and a timeline of levers, from YAML.

A scenario file is validated with pydantic. Unknown keys and unknown levers are errors naming
the key and the nearest valid name; :func:`load_scenario` turns every problem into one
:class:`~migsim.errors.InputError` naming the file and key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from migsim.errors import InputError, did_you_mean, read_yaml_mapping, shown, unknown_key
from migsim.limits import (
    MAX_CARAVAN_FAMILIES,
    MAX_DAYS,
    MAX_FAMILIES_CREATED,
    MAX_FAMILIES_PER_YEAR,
)
from migsim.policies import Lever, parse_lever
from migsim.policies.base import not_huge

if TYPE_CHECKING:
    from migsim.corridor import Corridor

DEFAULT_SCENARIO = (
    Path(__file__).resolve().parent.parent
    / "models"
    / "northern_triangle_2019"
    / "scenarios"
    / "baseline_2019.yaml"
)


class Strict(BaseModel):
    """Base for scenario sections: unknown keys, NaN and infinite numbers are errors."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    _not_huge = field_validator("*", mode="after")(not_huge)


class Origin(Strict):
    """An origin's share of first departures."""

    share: float = Field(gt=0, description="share of first departures from this origin")


class Caravan(Strict):
    """A caravan: extra families leaving one origin together over a few days."""

    date: dt.date
    origin: str
    families: int = Field(gt=0, le=MAX_CARAVAN_FAMILIES, description="families joining the caravan")
    days: int = Field(
        3, ge=1, le=MAX_DAYS, description="days over which the caravan's families set off"
    )


class Population(Strict):
    """Who leaves, and how many."""

    families_per_year: float = Field(
        190_000,
        gt=0,
        le=MAX_FAMILIES_PER_YEAR,
        description="first departures a year at the base hazard (Border Patrol family units, "
        "October 2018 - May 2019: 332,915 people in 8 months, about 500,000 a year, at 2.6 "
        "people a family ≈ 190,000)",
    )
    origins: dict[str, Origin] = Field(min_length=1)
    family_size_mean: float = Field(
        2.6, ge=2, le=20, description="mean people per family (2 plus a Poisson number)"
    )
    seasonal_amplitude: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="swing A of the departure hazard over the year, a factor "
        "1 + A cos(2π (day − peak) / 365.25): fewest departures half a year from the peak "
        "(0: no season)",
    )
    seasonal_peak_month: int = Field(
        4, ge=1, le=12, description="month whose 15th day is the peak of departures"
    )
    holiday_dip: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="share fewer departures over the year-end holidays, from holiday_from to "
        "holiday_to (0: none)",
    )
    holiday_from: str = Field("12-15", description="first day of the holidays (MM-DD)")
    holiday_to: str = Field(
        "01-15", description="the day after the holidays (MM-DD; not holiday_from)"
    )
    children_share: float = Field(0.9, ge=0, le=1, description="share of families with children")
    money_median_usd: float = Field(3000, gt=0, description="median money a family can raise")
    money_spread: float = Field(0.9, ge=0, le=5, description="sigma of log money")
    informed_share: float = Field(
        0.6,
        ge=0,
        lt=1,
        description="share of families, on average, who hear current news through their "
        "contacts (families with more contacts are likelier to)",
    )
    caravans: list[Caravan] = Field(default_factory=list)
    diaspora: dict[str, float] = Field(
        default_factory=dict,
        description="people born in each origin country (ISO code, as in places.csv's "
        "'country') living in the US at the start: the relatives whose pull saturates "
        "(none: no pull from relatives)",
    )
    risk_shares: tuple[float, float, float] = Field(
        (0.3, 0.4, 0.3), description="shares of bold, moderate and cautious families (assumed)"
    )

    @field_validator("holiday_from", "holiday_to", mode="after")
    @classmethod
    def _month_day(cls, value: str) -> str:
        try:
            dt.datetime.strptime(f"2000-{value}", "%Y-%m-%d")  # a leap year: 02-29 is a day
        except ValueError:
            raise ValueError(
                f"must be a day of the year as MM-DD, e.g. 12-15 (got {value!r})"
            ) from None
        return value

    @field_validator("holiday_to", mode="after")
    @classmethod
    def _holidays_last_a_day(cls, value: str, info: ValidationInfo) -> str:
        if value == info.data.get("holiday_from"):
            raise ValueError(f"must differ from holiday_from (both {value!r}): no holidays")
        return value

    @field_validator("risk_shares", mode="after")
    @classmethod
    def _shares_sum_to_one(cls, value: tuple[float, float, float]) -> tuple[float, ...]:
        if min(value) < 0 or abs(sum(value) - 1) > 1e-6:
            raise ValueError("three shares of at least 0 that add up to 1, e.g. [0.3, 0.4, 0.3]")
        return value


class Behaviour(Strict):
    """How families weigh time, money, risk and chances (assumed defaults; see docs/odd.md)."""

    value_of_time_usd: float = Field(25, ge=0, description="USD a family gives for a day saved")
    harm_usd: float = Field(6000, ge=0, description="USD-equivalent weight of a crime suffered")
    death_usd: float = Field(300_000, ge=0, description="USD-equivalent weight of death")
    interdiction_usd: float = Field(
        4000, ge=0, description="USD-equivalent cost of being caught in Mexico"
    )
    choice_scale_usd: float = Field(
        400, gt=0, description="logit scale: utility differences that shift choices by e"
    )
    asylum_choice_scale_usd: float | None = Field(
        None,
        gt=0,
        description="logit scale of the asylum decisions: claiming asylum in Mexico or going "
        "on, and at the border queueing at a port, crossing between ports, evading, waiting or "
        "going home (default: 5 x choice_scale_usd)",
    )
    dropoff_choice_scale_usd: float | None = Field(
        None,
        gt=0,
        description="logit scale of a smuggler's choice of express road (and so drop-off "
        "crossing) from a staging place; smaller concentrates the buses on the cheapest road "
        "(default: choice_scale_usd)",
    )
    risk_aversion: tuple[float, float, float] = Field(
        (0.5, 1.0, 2.0), description="risk weights of the three risk-attitude classes"
    )
    smuggler_fee_usd: float = Field(
        7000, ge=0, description="fee to reach the US border with a smuggler (facts: ~$7,000)"
    )
    smuggler_evade_fee_usd: float = Field(
        3000, ge=0, description="extra fee to evade Border Patrol (facts: ~$10,000 in all)"
    )
    smuggler_cost_per_day_usd: float = Field(
        300,
        ge=0,
        description="a smuggler's cost of a day on the road per family, which sets the routes "
        "smuggled families take (facts: $7,000 fee, about $650 margin, over about 20 days)",
    )
    express_fee_usd: float = Field(
        4500,
        ge=0,
        description="an express bus fare per paying adult, children free (facts: $2,500 in "
        "trucks to $7,000 or more on premium buses)",
    )
    express_km_per_day: float = Field(
        900,
        gt=0,
        description="a non-stop express bus's road distance a day (facts: staging to the "
        "border in about 72 hours)",
    )
    express_dispatch_days: int = Field(
        3, ge=1, le=60, description="days between express buses from a staging place (assumed)"
    )
    express_bus_families: float | None = Field(
        None,
        gt=0,
        description="families a bus carries, each bus choosing its own road (the reported groups "
        "of 100 to 300 people are about 40 to 115 families); none: everyone gathered at a "
        "staging place rides one road a dispatch",
    )
    price_pass_through: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of the rise in a smuggled route's cost since the start (more "
        "enforcement on it) that smugglers add to their price (assumed)",
    )
    tier_choice_scale_usd: float = Field(
        2000, gt=0, description="logit scale of choosing alone, smuggler or express (assumed)"
    )
    smuggler_crossings: list[str] | None = Field(
        None,
        description="border cities where smuggling networks take the families they smuggle "
        "(default: the corridor's border cities of group 'dropoff', or any if none is)",
    )
    smuggled_interdiction: float = Field(0.35, ge=0, le=1)
    smuggled_victimisation: float = Field(0.3, ge=0, le=1)
    caravan_victimisation: float = Field(0.4, ge=0, le=1)
    caravan_interdiction: float = Field(0.6, ge=0, le=1)
    caravan_speed: float = Field(0.6, gt=0, description="caravans move slower")
    value_in_us_usd: float = Field(
        20_000, ge=0, description="value a family places on staying in the US"
    )
    value_asylum_mx_usd: float = Field(
        1_500, ge=0, description="value a family places on asylum in Mexico (COMAR)"
    )
    evade_success: float = Field(0.45, ge=0, le=1, description="chance evading Border Patrol works")
    release_prior: float = Field(
        0.8, ge=0, le=1, description="perceived chance of release into the US at the start"
    )
    push_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of the departure hazard driven by push factors alone (violence, "
        "poverty), whatever families hear about the US",
    )
    pull_elasticity: float = Field(
        1.0, ge=0, description="departure response to perceived chance of staying in the US"
    )
    network_effect: float = Field(
        1.0,
        ge=0,
        description="pull of relatives abroad: departures rise towards 1 + network_effect "
        "times a saturating share of the relatives abroad (concave in their number)",
    )
    network_saturation: float = Field(
        1.0,
        gt=0,
        description="relatives abroad, as a multiple of the starting number, at which their "
        "pull is half its ceiling (assumed)",
    )
    announcement_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        description="how far an announced cut in the chance of staying in the US lowers "
        "beliefs at once, before its outcomes are heard (assumed)",
    )
    announcement_days: float = Field(
        60, gt=0, description="days for an announcement's weight to fall by e (assumed)"
    )
    info_lag_days: int = Field(14, ge=0, description="days before news reaches others")
    info_smoothing: float = Field(
        0.1, gt=0, le=1, description="weight of each day's news of enforcement on the road"
    )
    release_smoothing: float = Field(
        0.1,
        gt=0,
        le=1,
        description="weight of each day's news of how families fared in the US: how fast "
        "origin communities learn the chance of staying",
    )
    info_noise: float = Field(0.3, ge=0, description="log-normal sigma of rumour distortion")
    meet_informed: float = Field(0.2, ge=0, le=1, description="chance of learning at a place")
    retry_hazard: float = Field(
        1 / 90, ge=0, le=1, description="daily chance a returned family sets off again"
    )
    waiting_victimisation: float = Field(
        0.002, ge=0, le=1, description="daily victimisation risk waiting in a border city"
    )
    waiting_death: float = Field(2e-5, ge=0, le=1, description="daily death risk waiting")
    death_per_incident: float = Field(0.003, ge=0, le=1)
    waiting_give_up: float = Field(
        0.004, ge=0, le=1, description="daily chance a waiting family gives up and goes home"
    )
    queue_switch_days: float = Field(
        45,
        gt=0,
        description="expected metering wait (days) at which 5% of queued families a day "
        "give up the queue and cross between ports (10% a day for very long waits)",
    )
    removal_base: float = Field(
        0.15,
        ge=0,
        le=0.5,
        description="removal after holding: a family with claim strength c is removed with "
        "chance 2 × removal_base × (1 − c)",
    )
    mpp_grant: float = Field(0.02, ge=0, le=1, description="MPP asylum grant rate at hearings")
    comar_decision_days: float = Field(
        120,
        gt=0,
        le=3650,
        description="mean days from a claim of asylum in Mexico to COMAR's decision (facts: "
        "months, a backlog of tens of thousands of files)",
    )
    comar_move_on: float = Field(
        0.01,
        ge=0,
        le=1,
        description="daily chance a family waiting for COMAR moves on north (facts: many "
        "move on before or after the decision; assumed)",
    )
    comar_grant: float = Field(
        0.6, ge=0, le=1, description="share of claims COMAR grants (assumed)"
    )
    comar_granted_move_on: float = Field(
        0.3,
        ge=0,
        le=1,
        description="share of families granted asylum in Mexico who still move on (assumed)",
    )
    mpp_value_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="value of claiming asylum where the US returns families to Mexico to "
        "wait, as a share of the value elsewhere (informed families know where; assumed)",
    )
    claim_floor: float = Field(
        0.5,
        ge=0,
        description="a claim of strength c counts 'claim_floor + c' times the value of asylum "
        "(so the weakest claim counts half the average one; assumed)",
    )
    evade_harm_factor: float = Field(
        2.0,
        ge=0,
        description="harm of evading Border Patrol as a multiple of crossing to surrender",
    )
    shelter_days: int = Field(7, ge=1, le=365, description="days a family waits in a shelter")
    shelter_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of the value of asylum a family keeps by waiting in a shelter to "
        "think again (assumed)",
    )
    queue_switch_ceiling: float = Field(
        0.1,
        ge=0,
        le=1,
        description="most queued families a day who give up the queue and cross between ports",
    )
    us_port_capacity: float = Field(
        1000, gt=0, description="families a day a port processes without metering"
    )


class Scenario(Strict):
    """A corridor, a population, behaviour parameters and a timeline of levers."""

    name: str
    description: str = ""
    corridor: str = Field(description="corridor folder, relative to the scenario file")
    start: dt.date
    days: int = Field(365, gt=0, le=MAX_DAYS)
    seed: int = Field(1, ge=0)
    population: Population
    behaviour: Behaviour = Field(default_factory=Behaviour)
    levers: list[Any] = Field(default_factory=list)
    capacity_scale: float = Field(
        1.0,
        gt=0,
        description="multiplier on the corridor's checkpoint capacities (set by at_scale)",
    )
    spinup_days: int = Field(
        120,
        ge=0,
        le=3650,
        description="days simulated before 'start', not recorded, so the corridor is in "
        "motion on the first recorded day (warm start)",
    )
    path: Path | None = Field(None, exclude=True)

    @field_validator("days", mode="after")
    @classmethod
    def _ends_in_the_calendar(cls, value: int, info: ValidationInfo) -> int:
        start = info.data.get("start")
        if start is not None and start > dt.date.max - dt.timedelta(days=value):
            raise ValueError(f"start {start} plus {value} days runs past the year 9999")
        return value

    @field_validator("levers", mode="before")
    @classmethod
    def _parse_levers(cls, value: Any) -> list[Lever]:
        return [v if isinstance(v, Lever) else parse_lever(v) for v in value or []]

    def corridor_path(self) -> Path:
        """The corridor folder, resolved against the scenario file's folder."""
        base = self.path.parent if self.path else Path.cwd()
        return (base / self.corridor).resolve()

    def to_yaml(self, corridor: str | None = None) -> str:
        """The scenario as YAML, with levers and every default written out.

        Args:
            corridor: The corridor folder to write (default: this scenario's, as an
                absolute path).
        """
        data = self.model_dump(mode="json", exclude={"path"})
        data["corridor"] = corridor or str(self.corridor_path())
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    def with_parameters(self, values: dict[str, Any], *, responses: bool = True) -> Scenario:
        """A copy with parameters replaced, addressed as ``section.name`` or ``lever.name``.

        ``behaviour.value_of_time_usd``, ``population.families_per_year`` and top-level
        fields such as ``seed`` address the scenario's sections;
        ``isthmus_checkpoints.interdiction`` sets that parameter on every entry of the lever
        (including entries inside a tariff threat's response, unless ``responses`` is False:
        a calibration fits the levers in force, and a response keeps its own setting). A lever
        the scenario does not have is added, in force from the first day, with that parameter
        set.

        Raises:
            ValueError: For an unknown section, lever or parameter, naming the nearest one.
        """
        from migsim.policies import LEVERS, nearest

        data = self.model_dump(exclude={"path"})
        data["levers"] = [lever.model_dump() for lever in self.levers]
        for address, value in values.items():
            head, _, name = address.partition(".")
            if not name and head in Scenario.model_fields:
                data[head] = value
                continue
            if head in ("behaviour", "population"):
                fields = (Behaviour if head == "behaviour" else Population).model_fields
                if name not in fields:
                    raise ValueError(f"unknown parameter '{address}'{nearest(name, list(fields))}")
                data[head][name] = value
                continue
            if head not in LEVERS:
                options = [*LEVERS, "behaviour", "population"]
                raise ValueError(f"unknown lever or section '{head}'{nearest(head, options)}")
            fields = [f for f in LEVERS[head].model_fields if f not in Lever.model_fields]
            if name not in fields:
                raise ValueError(
                    f"lever '{head}' has no parameter '{name}'{nearest(name, fields)}; "
                    f"its parameters: {', '.join(fields)}"
                )
            hits = _set_lever_parameter(data["levers"], head, name, value, responses)
            if not hits:
                data["levers"].append({"lever": head, name: value})
        scenario = Scenario.model_validate(data)
        scenario.path = self.path
        return scenario

    def at_scale(self, families_per_year: float) -> Scenario:
        """The scenario run with another number of families a year, capacities scaled alike.

        Running 20,000 families a year instead of 190,000 keeps every probability as it is,
        but a port taking 30 families a day, a detention centre or a Border Patrol station
        would then never fill. So everything that counts families scales by the same factor:
        lever capacities and quotas (``migsim.policies.FAMILY_COUNTS``), caravans, port
        capacity, and (through ``capacity_scale``) the corridor's checkpoint capacities; queues
        and crowding then act per family as they would at full scale.
        """
        from migsim.policies import FAMILY_COUNTS

        factor = families_per_year / self.population.families_per_year

        def scale(entry: dict) -> dict:
            entry = dict(entry)
            for name in FAMILY_COUNTS.get(entry["lever"], ()):
                if entry.get(name) is not None:
                    entry[name] = entry[name] * factor
            if entry.get("response"):
                entry["response"] = [scale(r) for r in entry["response"]]
            return entry

        data = self.model_dump(exclude={"path"})
        data["levers"] = [scale(lever.model_dump()) for lever in self.levers]
        population = data["population"]
        population["families_per_year"] = families_per_year
        population["caravans"] = [
            {**caravan, "families": max(1, round(caravan["families"] * factor))}
            for caravan in population["caravans"]
        ]
        # Relatives abroad scale too, so the families who settle move the stock as at full size.
        population["diaspora"] = {k: v * factor for k, v in population["diaspora"].items()}
        data["behaviour"]["us_port_capacity"] *= factor
        if data["behaviour"]["express_bus_families"] is not None:  # as many buses as at full size
            data["behaviour"]["express_bus_families"] *= factor
        data["capacity_scale"] = self.capacity_scale * factor
        scaled = Scenario.model_validate(data)
        scaled.path = self.path
        return scaled

    def load_corridor(self) -> Corridor:
        """Load the scenario's corridor and check the places the scenario names in it.

        Raises:
            InputError: If the corridor folder is missing or malformed, or the population
                names a place that is not an origin.
        """
        from migsim.corridor import load_corridor

        folder = self.corridor_path()
        if not folder.is_dir():
            raise InputError(
                self.path or "scenario",
                f"corridor folder '{folder}' not found; 'corridor' is a folder holding "
                "places.csv and links.csv, relative to the scenario file",
                key="corridor",
            )
        corridor = load_corridor(folder)
        self.check_places(corridor)
        return corridor

    def check_places(self, corridor: Corridor) -> None:
        """Check that the places the population names are origins of the corridor.

        Raises:
            InputError: Naming the key, the nearest origin and every origin.
        """
        origins = corridor.names(corridor.of_kind("origin"))
        named = [(f"population.origins.{name}", name) for name in self.population.origins]
        named += [
            (f"population.caravans[{i}].origin", caravan.origin)
            for i, caravan in enumerate(self.population.caravans)
        ]
        for key, name in named:
            if name not in origins:
                raise InputError(
                    self.path or "scenario",
                    f"'{name}' is not an origin in the corridor{did_you_mean(name, origins)}; "
                    f"origins are: {', '.join(origins)}",
                    key=key,
                )

    def end(self) -> dt.date:
        """The last simulated day."""
        return self.start + dt.timedelta(days=self.days - 1)


def check_families_created(scenario: Scenario, created: int, day: int) -> None:
    """Stop a run whose departures have grown past what fits in memory.

    Departures rise with the families settled in the US (``behaviour.network_effect``), so a
    long run can grow without bound; it is stopped once it has created
    :data:`~migsim.limits.MAX_FAMILIES_CREATED` families.

    Raises:
        InputError: Naming the scenario, the day and what to change.
    """
    if created > MAX_FAMILIES_CREATED:
        raise InputError(
            scenario.path or "scenario",
            f"the run had created {created:,} families by day {day + 1} (departures grow with "
            f"the families settled in the US), more than the {MAX_FAMILIES_CREATED:,} that fit "
            "in memory; simulate fewer days, or lower population.families_per_year or "
            "behaviour.network_effect",
            key="days",
        )


def _set_lever_parameter(
    levers: list[dict], lever: str, name: str, value: Any, responses: bool = True
) -> int:
    """Set a parameter on every entry of a lever (and in tariff responses); count them."""
    hits = 0
    for entry in levers:
        if entry["lever"] == lever:
            entry[name] = value
            hits += 1
        if responses and entry.get("response"):
            hits += _set_lever_parameter(entry["response"], lever, name, value)
    return hits


def _key_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """Valid field names at an error location, for a 'did you mean' hint."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        field = getattr(current, "model_fields", {}).get(part)
        ann = getattr(field, "annotation", None)
        args = getattr(ann, "__args__", ())
        current = next(
            (a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None
        )
    fields = getattr(current, "model_fields", {}) or {}
    return [name for name, info in fields.items() if not info.exclude]  # not internal ones


def _explain(exc: ValidationError, data: dict, model: type[BaseModel]) -> tuple[str, str]:
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    key = _key_path(loc)
    if err["type"] == "extra_forbidden":
        options = _fields_at(model, loc)
        if loc and loc[0] == "levers" and len(loc) >= 2:
            lever = data["levers"][loc[1]]
            from migsim.policies import LEVERS

            options = list(LEVERS[lever["lever"]].model_fields)
        return key, f"unknown key '{loc[-1]}'; {unknown_key(loc[-1], options)}"
    if err["type"] == "missing":
        return key, "is required but missing; add it"
    msg = err["msg"].removeprefix("Value error, ")
    if "input" in err and err["type"] != "value_error":
        return key, f"{msg} (got {shown(err['input'])})"
    return key, msg


def _check_levers(path: Path, specs: Any, prefix: str) -> None:
    """Validate lever entries one by one, so an error names the entry (``levers[3].share``)."""
    from migsim.policies import LEVERS, nearest

    if specs is None:
        return
    if not isinstance(specs, list):
        raise InputError(
            path, "must be a list of lever entries (each starting '- lever: NAME')", key=prefix
        )
    for i, spec in enumerate(specs):
        key = f"{prefix}[{i}]"
        if not isinstance(spec, dict) or "lever" not in spec:
            raise InputError(path, "needs a 'lever' key naming the lever", key=key)
        name = spec["lever"]
        if name not in LEVERS:
            raise InputError(
                path,
                f"unknown lever '{name}'{nearest(name, list(LEVERS))}; "
                "'migsim levers' lists them all",
                key=f"{key}.lever",
            )
        cls = LEVERS[name]
        inner = {k: v for k, v in spec.items() if k != "response"}
        try:
            cls.model_validate(inner)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(part) for part in err["loc"])
            where = f"{key}.{loc}" if loc else key
            if err["type"] == "extra_forbidden":
                hint = unknown_key(err["loc"][-1], cls.model_fields)
                raise InputError(
                    path, f"unknown key for lever '{name}'; {hint}", key=where
                ) from None
            if err["type"] == "missing":
                raise InputError(path, "is required but missing; add it", key=where) from None
            message = err["msg"].removeprefix("Value error, ")
            if "input" in err and err["type"] != "value_error":
                message += f" (got {shown(err['input'])})"
            raise InputError(path, message, key=where) from None
        if "response" in spec:
            _check_levers(path, spec["response"], f"{key}.response")


def load_scenario(path: str | Path | None = None, **overrides: Any) -> Scenario:
    """Load and validate a scenario file.

    Args:
        path: The YAML file (default: the baseline 2019 scenario).
        **overrides: Top-level fields to replace (e.g. ``days=30``, ``seed=2``).

    Returns:
        The validated scenario.

    Raises:
        InputError: Naming the file and key of the first problem and how to fix it.
    """
    path = Path(path) if path is not None else DEFAULT_SCENARIO
    data = read_yaml_mapping(path, "scenario", "name, corridor, start")
    data.update({k: v for k, v in overrides.items() if v is not None})
    _check_levers(path, data.get("levers"), "levers")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        key, message = _explain(exc, data, Scenario)
        raise InputError(path, message, key=key) from None
    except ValueError as exc:  # an unknown lever name, raised while parsing levers
        raise InputError(path, str(exc), key="levers") from None
    scenario.path = path
    return scenario
