"""The ``[[models]]`` and ``[mixed_model]`` sections of a project file: the cohort models
to fit, validated with pydantic (plain column names only: nothing from a project file
reaches a formula unchecked)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..stats.growth import DEFAULT_TERMS, PLAIN_NAME


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _plain(name: str) -> str:
    if not PLAIN_NAME.match(name):
        raise ValueError(
            f"{name!r} is not a plain column name (letters, digits and underscores, "
            "not starting with a digit)"
        )
    return name


class MixedModelSpec(_Section):
    """The cohort report's growth model: ``measure ~ 1 + time + terms + (1 + time | dyad)``.

    ``terms=None`` (the default) takes ``group`` and ``outcome`` where the metadata has
    them. ``time_interactions`` (default none) adds a time x term effect for each term
    named, which must be among the terms. Names set here must be plain column names of
    the metadata. ``random_slope`` (``"auto"``, ``True`` or ``False``) sets the random
    slope of time per dyad (see :func:`~attunement.stats.growth.growth_model`).

    Examples
    --------
    >>> MixedModelSpec(terms=["group"], time_interactions=["bdi"])
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for MixedModelSpec
    time_interactions
      Value error, 'bdi' is not among the terms ['group']; ...
    """

    dyad: str = "dyad"
    time: str = "session_number"
    terms: list[str] | None = None
    time_interactions: list[str] = []
    random_slope: Literal["auto"] | bool = "auto"

    @field_validator("dyad", "time")
    @classmethod
    def _plain(cls, value: str) -> str:
        return _plain(value)

    @field_validator("random_slope", mode="before")
    @classmethod
    def _random_slope(cls, value: Any) -> Any:
        if value == "auto" or isinstance(value, bool):
            return value
        raise ValueError('must be "auto", true or false')

    @field_validator("terms")
    @classmethod
    def _plain_terms(cls, value: list[str] | None) -> list[str] | None:
        for name in value or []:
            _plain(name)
        return value

    @field_validator("time_interactions")
    @classmethod
    def _interactions(cls, value: list[str], info: ValidationInfo) -> list[str]:
        for name in value:
            _plain(name)
            if value.count(name) > 1:
                raise ValueError(f"{name!r} is named more than once")
        terms = info.data.get("terms")
        for name in value:
            for role in ("dyad", "time"):
                if name == info.data.get(role):
                    raise ValueError(f"{name!r} is the model's {role} column, not a term")
            if terms is not None and name not in terms:
                raise ValueError(
                    f"{name!r} is not among the terms {terms}; a time x term interaction "
                    f"needs the term too: add {name!r} to mixed_model.terms"
                )
        return value

    @model_validator(mode="after")
    def _distinct(self) -> MixedModelSpec:
        names = [self.dyad, self.time, *(self.terms or [])]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"each column can play one part (dyad, time or a term): {repeated}")
        return self

    def named(self) -> dict[str, str]:
        """The columns set explicitly in the project file, by setting."""
        out = {k: getattr(self, k) for k in ("dyad", "time") if k in self.model_fields_set}
        for k, name in enumerate(self.terms or []):
            out[f"terms[{k}]"] = name
        for k, name in enumerate(self.time_interactions):
            out[f"time_interactions[{k}]"] = name
        return out

    def model_terms(self, columns) -> list[str]:
        """The terms of the model over a table with these ``columns`` (defaults resolved)."""
        if self.terms is not None:
            return list(self.terms)
        return [t for t in DEFAULT_TERMS if t in columns and t not in (self.dyad, self.time)]


class ModelSpec(_Section):
    """One of the project's ``[[models]]``: a mixed model in lme4's notation.

    ``levels`` orders a factor's levels, the first the reference (default: sorted);
    ``reml = false`` fits by maximum likelihood. ``channel`` picks the summary rows of one
    channel (e.g. ``"movement"``) where sessions have several. The formula is checked
    when the project is loaded (:func:`attunement.stats.mixed.parse_formula`), its
    columns when the model is fitted: the response may be any column of the session
    summaries or the metadata.

    Examples
    --------
    >>> ModelSpec(name="m", formula="grand_average ~ condition + (1 | dyad)").reml
    True
    >>> ModelSpec(name="m", formula="grand_average ~ condition")
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for ModelSpec
    formula
      Value error, model 'm': no random term such as '(1 | dyad)' in ...
    """

    name: str
    formula: str
    levels: dict[str, list[str | int | float]] = {}
    reml: bool = True
    channel: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _plain(value)

    @field_validator("formula")
    @classmethod
    def _formula(cls, value: str, info: ValidationInfo) -> str:
        from ..stats.mixed import parse_formula

        parse_formula(value, info.data.get("name", "model"))
        return value

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: dict) -> dict:
        for name, levels in value.items():
            _plain(name)
            if len(levels) < 2:
                raise ValueError(f"levels.{name}: give two or more levels, the first the "
                                 f"reference; got {levels}")
            if len({str(v) for v in levels}) < len(levels):
                raise ValueError(f"levels.{name}: a level is repeated in {levels}")
        return value
