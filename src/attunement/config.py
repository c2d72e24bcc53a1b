"""The analysis configuration (``attune.toml``), validated with pydantic.

Every section and key is checked; an error names its location, e.g.
``attune.toml: sync.window_s: Input should be greater than 0``. Unknown keys are
errors too, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReadConfig(_Section):
    """How recordings are read."""

    sampling_rate: PositiveFloat | None = Field(
        None, description="Hz, for files that do not carry it (MEA text files)."
    )
    partners: tuple[str, str] | None = Field(None, description="Role names of the two partners.")
    channels: list[str] | None = Field(None, description="Channels to analyse (default: all).")
    phases: str | None = Field(
        None, description="Phase file for every session read (CSV, ELAN .eaf, BORIS export)."
    )
    phase_tier: str | None = Field(None, description="Tier (ELAN) or subject (BORIS) of phases.")
    resample_hz: PositiveFloat | None = Field(
        None, description="Hz: put irregular clocks on a regular grid (gaps stay missing)."
    )
    time_unit: Literal["auto", "s", "ms"] = Field(
        "auto", description="Unit of a table's time column (auto: from its name)."
    )


class PreprocessConfig(_Section):
    """rMEA-style preprocessing, applied in this order; ``None`` skips a step."""

    smooth_s: PositiveFloat | None = Field(
        None, description="Moving-average window (s); rMEA's MEAsmooth, published 0.5 s."
    )
    scale: Literal["sd", "mean", "max", "mad"] | None = Field(
        None, description="rMEA's MEAscale divisor."
    )
    outliers_sd: PositiveFloat | None = Field(
        None, description="Set values above this many SDs to missing (rMEA MEAoutlier: 10)."
    )


class SyncConfig(_Section):
    """Windowed lagged cross-correlation."""

    window_s: PositiveFloat = Field(30.0, description="Window length (s); choice.")
    max_lag_s: PositiveFloat = Field(5.0, description="Largest lag (s); published +-5 s (rMEA).")
    step_s: PositiveFloat = Field(1.0, description="Window increment (s); choice.")
    fisher_z: bool = Field(True, description="Fisher z-transform r (rMEA r2Z).")
    absolute: bool = Field(False, description="Absolute values (rMEA ABS).")

    @model_validator(mode="after")
    def _lag_within_window(self):
        if self.max_lag_s >= self.window_s:
            raise ValueError(f"'max_lag_s' ({self.max_lag_s:g} s) must be shorter than "
                             f"'window_s' ({self.window_s:g} s)")
        return self

    def wcc_params(self) -> dict[str, Any]:
        """The keyword arguments of :func:`attunement.wcc` these settings stand for."""
        return self.model_dump()


class PeakConfig(_Section):
    """Peak picking in each WCC window (``attunement.pick_peaks``): who leads."""

    method: Literal["surrogate", "boker2002"] = Field(
        "surrogate",
        description="surrogate: the largest smoothed peak, kept only where it beats the "
        "window's circular-shift surrogates; boker2002: local maximum nearest zero lag.",
    )
    alpha: float = Field(
        0.05, gt=0, lt=1,
        description="Share of windows with a peak when the partners are not coupled; choice.",
    )
    n_surrogates: PositiveInt = Field(99, description="Surrogates for method 'surrogate'.")


class SurrogateConfig(_Section):
    """The null that synchrony is tested against."""

    n: NonNegativeInt = Field(200, description="Number of surrogates (0: no surrogate test).")
    null: Literal["shift", "segments", "iaaft", "pseudo-dyads", "shuffle"] = Field(
        "shift", description="Surrogate null; circular shift is calibrated (SCIENCE.md)."
    )
    seed: int = Field(0, description="Seed: the same seed gives the same numbers.")
    segment_s: PositiveFloat | None = Field(
        None, description="Segment length (s) of the 'segments' null (default: two windows)."
    )
    keep_roles: bool = Field(
        False, description="Pseudo-dyads pair partner 1 only with another session's partner 2."
    )


class EpisodeConfig(_Section):
    """Attuned / rupture segmentation (``attunement.detect_episodes``)."""

    enabled: bool = Field(True, description="Find episodes (attune sync does not).")

    paradigm: Literal["infant-face-to-face", "psychotherapy-movement"] = Field(
        "infant-face-to-face",
        description="Time-scale preset (attunement.episodes.PARADIGMS): 4 s windows for "
        "infant face-to-face affect, 30 s windows for movement synchrony in psychotherapy.",
    )
    long_unrepaired_s: PositiveFloat | None = Field(
        None, description="An unrepaired rupture this long is 'long unrepaired' (default: the "
        "paradigm's; a choice)."
    )


class ContingencyConfig(_Section):
    """Beebe & Jaffe self- and interactive contingency on a 1 s base (Beebe et al. 2010)."""

    base_s: PositiveFloat = Field(1.0, description="Time base (s); published 1 s.")
    band: tuple[float, float] | None = Field(
        None,
        description="Midrange band of interactive coefficients (no published default; "
        "e.g. a cohort's tertiles from attunement.contingency_band).",
    )
    self_band: tuple[float, float] | None = Field(
        None, description="Midrange band of self-contingency coefficients."
    )


class PhysioConfig(_Section):
    """Autonomic linkage (heart rate), computed when the session has this channel."""

    channel: str = Field("hr_bpm", description="Heart-rate channel (bpm) of both partners.")
    enabled: bool = Field(True, description="Compute linkage when the channel is present.")


class VideoConfig(_Section):
    """How a video given to ``attune analyze`` becomes signals (``attunement.extract_video``)."""

    layout: str | None = Field(
        "split-lr", description="Split-screen layout (choice: the common face-to-face set-up)."
    )
    regions: str | None = Field(None, description="A regions file instead of a layout.")
    features: list[str] = Field(["motion"], description="motion, face, affect.")


#: The measures ``attune analyze`` runs when the configuration names none.
DEFAULT_MEASURES = {"wcc": {}, "contingency": {}}


class AnalysisConfig(_Section):
    """All settings of ``attune analyze``; every field has a documented default.

    ``measures`` names the measures of :data:`attunement.sync.registry.MEASURES` to run,
    in order, each with its parameters (a ``[measures]`` table: ``phase = {band_hz =
    [0.1, 0.5]}``); the WCC's parameters are the ``[sync]`` section, the contingency's
    defaults the ``[contingency]`` section.
    """

    read: ReadConfig = ReadConfig()
    preprocess: PreprocessConfig = PreprocessConfig()
    measures: dict[str, dict[str, Any]] = Field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_MEASURES.items()},
        description="Measures to run and their parameters (default: wcc and contingency).",
    )
    sync: SyncConfig = SyncConfig()
    peaks: PeakConfig = PeakConfig()
    surrogates: SurrogateConfig = SurrogateConfig()
    episodes: EpisodeConfig = EpisodeConfig()
    contingency: ContingencyConfig = ContingencyConfig()
    physio: PhysioConfig = PhysioConfig()
    video: VideoConfig = VideoConfig()

    @field_validator("measures", mode="before")
    @classmethod
    def _measure_list(cls, value):
        """A list of names stands for those measures with their default parameters."""
        return {name: {} for name in value} if isinstance(value, (list, tuple)) else value

    @field_validator("measures")
    @classmethod
    def _known_measures(cls, value):
        from .sync.registry import check_measures, check_params

        check_measures(list(value), "measures")
        for name, params in value.items():
            if name == "wcc" and params:
                raise ValueError("the WCC's parameters are the [sync] section (window_s, "
                                 f"max_lag_s, step_s, fisher_z, absolute), got {params}")
            check_params(name, params)
        return value

    def measure_params(self, name: str) -> dict[str, Any]:
        """The keyword arguments of measure ``name`` (its ``[measures]`` entry over the
        ``[sync]`` or ``[contingency]`` section)."""
        if name == "wcc":
            return self.sync.wcc_params()
        base = self.contingency.model_dump() if name == "contingency" else {}
        return {**base, **self.measures.get(name, {})}

    def flat(self) -> dict[str, Any]:
        """Every parameter as ``section.key -> value`` (the report's parameter record);
        ``measures`` as the names, and ``measures.<name>.<key>`` for each parameter set."""
        out = {}
        for section, values in self.model_dump().items():
            if section == "measures":
                out["measures"] = ",".join(values)
                values = {f"{name}.{k}": v for name, ps in values.items() for k, v in ps.items()}
            for key, value in values.items():
                out[f"{section}.{key}"] = (",".join(map(str, value))
                                           if isinstance(value, (list, tuple)) else value)
        return out


def load_config(path: str | Path | None = None, **overrides: dict[str, Any]) -> AnalysisConfig:
    """Read and validate an ``attune.toml`` (or the defaults when ``path`` is None).

    ``overrides`` are sections of settings (e.g. ``sync={"window_s": 10}``) applied on
    top of the file, as the CLI's options do.

    Examples
    --------
    >>> load_config(sync={"window_s": 10}).sync.window_s
    10.0
    >>> load_config(sync={"window_s": -1})
    Traceback (most recent call last):
    ...
    ValueError: settings: sync.window_s: Input should be greater than 0 (got -1)
    """
    data: dict[str, Any] = {}
    source = "settings"
    if path is not None:
        path = Path(path)
        source = str(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such configuration file.")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise ValueError(f"{path}: not valid TOML ({err}).") from None
    for section, values in overrides.items():
        if not isinstance(values, dict):  # a list of measures replaces the file's
            data[section] = values
            continue
        merged = dict(data.get(section, {}))
        merged.update({k: v for k, v in values.items() if v is not None})
        data[section] = merged
    try:
        return AnalysisConfig.model_validate(data)
    except ValidationError as err:
        raise ValueError(f"{source}: {describe_errors(err)}") from None


def describe_errors(err: ValidationError) -> str:
    """A pydantic validation error as one line naming each setting's location, what is
    wrong and what came (``sync.window_s: Input should be greater than 0 (got -1)``); the
    project file's messages use it too.

    Examples
    --------
    >>> try:
    ...     AnalysisConfig.model_validate({"nonsense": 1})
    ... except ValidationError as err:
    ...     print(describe_errors(err))
    nonsense: unknown setting
    """
    parts = []
    for e in err.errors():
        loc = ""
        for part in e["loc"]:
            loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
        got = f" (got {e['input']!r})" if e["type"] != "extra_forbidden" else ""
        msg = "unknown setting" if e["type"] == "extra_forbidden" else e["msg"]
        parts.append(f"{loc}: {msg}{got}")
    return "; ".join(parts)
