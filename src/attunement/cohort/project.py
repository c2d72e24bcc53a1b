"""The cohort project file (TOML), validated with pydantic.

```toml
[project]
name = "intake interviews"

[sessions]
paths = ["normal/*.txt", "dropout/*.txt"]   # files, folders or glob patterns
metadata = "sessions.csv"                   # optional: one row per session

[analysis]                                   # the sections of attune.toml
read = { sampling_rate = 25 }
sync = { window_s = 60, max_lag_s = 5, step_s = 30 }

[batch]
executor = "local"      # or "dask"
workers = 2             # local processes (default: all cores)
scheduler = "local"     # dask: "local" starts a LocalCluster, or "tcp://host:8786"

[mixed_model]           # optional: the growth model on the cohort report
dyad = "dyad"           # random intercept (and slope of time) per dyad
time = "session_number" # fixed effect of time: numbers, or dates (days since the dyad's start)
terms = ["group", "bdi"]  # more fixed effects; default: 'group' and 'outcome' where present
time_interactions = ["group"]  # time x term: does synchrony change faster in one arm? default: none
random_slope = "auto"   # random slope of time per dyad: "auto" (default), true or false
```

Relative paths are relative to the project file. The metadata CSV has a ``session``
column (the file name without extension) and any of ``dyad``, ``session_number``,
``date``, ``group`` and outcome scores: one row per session, or one row per participant
of each session (a ``participant`` column, participant-level covariates such as ratings).

```toml
[[models]]              # as many as wanted: mixed models in lme4's notation
name = "interaction"
formula = "grand_average ~ condition * cq + (1 | dyad)"
levels = { condition = ["240p", "480p", "1080p"] }   # first level = reference
reml = true             # false: maximum likelihood
channel = "movement"    # the summary rows of this channel, where sessions have several
```

Each model's response is any column of the session summaries or the metadata; see
:mod:`attunement.cohort.models` for the store tables they give.

The cohort report fits ``measure ~ 1 + time + terms + time:time_interactions + (1 + time | dyad)``
(REML; see :func:`attunement.stats.growth.growth_model`): each dyad has its own
intercept and its own slope of time, their correlation estimated. ``random_slope = "auto"``
keeps the random slope where at least 3 dyads have sessions at three or more distinct
times and its fit converges and is not singular, else fits ``(1 | dyad)`` with a note
saying why; ``true`` tries it whenever one dyad has three distinct times; ``false``
fits ``(1 | dyad)``. Without a
``[mixed_model]`` section the columns ``dyad`` and ``session_number`` are used where the
metadata has them, plus ``group`` and ``outcome`` where present; ``terms = []`` leaves out
all terms. Each of ``time_interactions`` must be one of the model's terms (named in
``terms``, or a default term the metadata has); it adds the columns ``time:term`` (a
number) or ``time:term[T.level]`` (a factor's levels against its reference level): how
much faster the measure changes per unit of the term, or at that level. Every column
named in the section must be a plain name (letters, digits, underscores) and a column of
the metadata CSV, else loading the project fails naming it. The report's per-dyad trends
use the same ``dyad`` and ``time`` columns.
"""

from __future__ import annotations

import glob
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import (
    Field,
    PositiveInt,
    ValidationError,
    field_validator,
)

from ..analysis import input_files
from ..config import AnalysisConfig, describe_errors
from ..stats.growth import check_column, check_interactions, time_values
from .model_specs import MixedModelSpec, ModelSpec, _Section

__all__ = ["MixedModelSpec", "ModelSpec", "Project", "ProjectSpec", "load_project"]


class ProjectInfo(_Section):
    name: str = "cohort"


class SessionsSpec(_Section):
    paths: list[str] = Field(..., min_length=1)
    metadata: str | None = None


class BatchSpec(_Section):
    executor: Literal["local", "dask"] = "local"
    workers: PositiveInt | None = None
    scheduler: str = "local"

    @field_validator("scheduler")
    @classmethod
    def _scheduler(cls, value: str) -> str:
        if value != "local" and not value.startswith(("tcp://", "tls://", "inproc://")):
            raise ValueError("must be 'local' or an address such as tcp://host:8786")
        return value


class ProjectSpec(_Section):
    project: ProjectInfo = ProjectInfo()
    sessions: SessionsSpec
    analysis: AnalysisConfig = AnalysisConfig()
    batch: BatchSpec = BatchSpec()
    mixed_model: MixedModelSpec = MixedModelSpec()
    models: list[ModelSpec] = []

    @field_validator("models")
    @classmethod
    def _unique_models(cls, value: list[ModelSpec]) -> list[ModelSpec]:
        names = [m.name for m in value]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"each model needs its own name; repeated: {repeated}")
        return value


class Project:
    """A validated project: the session files, their metadata and the settings."""

    def __init__(self, spec: ProjectSpec, root: Path, source: str = "project"):
        self.spec = spec
        self.root = root
        self.source = source
        self.files = self._expand()
        self.metadata = self._metadata()
        self._check_model()

    @property
    def name(self) -> str:
        return self.spec.project.name

    @property
    def analysis(self) -> AnalysisConfig:
        return self.spec.analysis

    def _expand(self) -> list[Path]:
        files: list[Path] = []
        for k, pattern in enumerate(self.spec.sessions.paths):
            full = os.path.join(self.root, pattern)
            matches = sorted(glob.glob(full)) if glob.has_magic(pattern) else [full]
            if not matches:
                raise ValueError(
                    f"{self.source}: sessions.paths[{k}]: {pattern!r} matches no file."
                )
            try:
                files.extend(input_files(matches))
            except (ValueError, FileNotFoundError) as err:
                raise ValueError(f"{self.source}: sessions.paths[{k}]: {err}") from None
        unique = list(dict.fromkeys(f.resolve() for f in files))
        ids = [f.stem for f in unique]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(
                f"{self.source}: session ids must be unique (file names without extension); "
                f"repeated: {sorted(dup)}."
            )
        return unique

    def _metadata(self) -> pd.DataFrame:
        path = self.spec.sessions.metadata
        ids = pd.DataFrame({"session": [f.stem for f in self.files]})
        if path is None:
            return ids
        full = self.root / path
        if not full.is_file():
            raise FileNotFoundError(f"{self.source}: sessions.metadata: {full}: no such file.")
        meta = pd.read_csv(full, dtype={"session": str})
        if "session" not in meta.columns:
            raise ValueError(
                f"{full}: the metadata table needs a 'session' column (file name without "
                f"extension); got {list(meta.columns)}."
            )
        unknown = sorted(set(meta.session) - set(ids.session))
        if unknown:
            raise ValueError(f"{full}: rows for sessions not in the project: {unknown[:5]}.")
        repeated = meta.session[meta.session.duplicated()].unique().tolist()
        if repeated and "participant" not in meta.columns:
            raise ValueError(
                f"{full}: sessions {repeated[:5]} have several rows; several rows per session "
                "need a 'participant' column (one row per participant)."
            )
        if repeated and meta.duplicated(["session", "participant"]).any():
            twice = meta[meta.duplicated(["session", "participant"])].iloc[0]
            raise ValueError(
                f"{full}: session {twice.session!r}, participant {twice.participant!r} has "
                "more than one row."
            )
        absent = sorted(set(ids.session) - set(meta.session))
        if absent:
            raise ValueError(
                f"{full}: no row for {len(absent)} session(s) of the project: {absent[:5]}; "
                "add one row per session (leave unknown cells empty)."
            )
        return ids.merge(meta, on="session", how="left")


    def _check_model(self) -> None:
        """Columns named in ``[mixed_model]`` must be metadata columns; time, numbers or dates."""
        spec = self.spec.mixed_model
        where = f"the metadata ({self.spec.sessions.metadata or 'no sessions.metadata given'})"
        columns = [c for c in self.metadata.columns if c != "session"]
        try:
            for setting, name in spec.named().items():
                check_column(name, f"mixed_model.{setting}", columns, where)
            check_interactions(spec.time_interactions, spec.model_terms(columns), columns, where,
                               {spec.dyad: "dyad", spec.time: "time"})
        except ValueError as err:
            raise ValueError(f"{self.source}: {err}") from None
        if "time" in spec.model_fields_set:
            rows = self.metadata.dropna(subset=[spec.time])
            try:
                time_values(rows, spec.time, spec.dyad)
            except ValueError as err:
                raise ValueError(f"{self.source}: {err}") from None


def load_project(path: str | Path) -> Project:
    """Read and validate a project file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_text("1 2\\n3 4\\n")
    >>> _ = (d / "p.toml").write_text('[sessions]\\npaths = ["*.txt"]\\n[batch]\\nworkers = 0\\n')
    >>> load_project(d / "p.toml")
    Traceback (most recent call last):
    ...
    ValueError: ...p.toml: batch.workers: Input should be greater than 0 (got 0)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such project file.")
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{path}: not valid TOML ({err}).") from None
    try:
        spec = ProjectSpec.model_validate(data)
    except ValidationError as err:
        raise ValueError(f"{path}: {describe_errors(err)}") from None
    return Project(spec, path.parent.resolve(), str(path))
