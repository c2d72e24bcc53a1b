"""Caregiving styles: named presets of the dyad's coupling and its rupture-repair process.

Coupling ``k`` is the share of a follower's affect that comes from the partner's
state one response lag earlier (see :mod:`attunement.simulate.dynamics`): 0 is no
contingency, values near 1 mean the follower mirrors the partner. ``k_12`` is
partner 1 -> partner 2 (the infant following the caregiver), ``k_21`` the reverse.

The presets order the styles as the midrange model does (Jaffe et al. 2001,
Monogr Soc Res Child Dev 66(2); Beebe et al. 2010, Attach Hum Dev 12:3): midrange
mutual coordination is optimal, over-tight (intrusive, caregiver-led) and
over-loose (withdrawn) coordination are not. Every number is a *choice* that
realises that ordering; none is a published estimate. Ruptures here are the
sustained breakdowns a windowed synchrony measure can see (8-40 s); the second-scale
mismatches and micro-repairs of Tronick & Cohn (1989, Child Dev 60:85) arise from
the stochastic dynamics themselves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .._check import check_positive


@dataclass(frozen=True)
class DyadStyle:
    """Parameters of one caregiving style (all *choice*; see the module notes).

    Parameters
    ----------
    name : str
        Name recorded in the session's meta.
    k_12, k_21 : float
        Baseline coupling partner 1 -> 2 and 2 -> 1, in ``[0, 1)``.
    attuned_s : float
        Mean time between the end of one rupture and the onset of the next (s).
    p_repair : float
        Probability that a rupture is repaired; otherwise it is an unrepaired breakdown.
    repair_latency_s : float
        Mean latency of a repair (s), from ``min_rupture_s`` up; drawn from
        ``min_rupture_s + Gamma(shape 2)`` and capped at ``max_repair_s``.
    breakdown_s : pair of float
        Range (s) of an unrepaired breakdown's length, drawn uniformly. It ends with
        the interaction restarting (or the phase or session ending), not a repair.
    switch_levels : tuple of float
        Coupling multipliers between which the coupling switches (a Markov chain with
        exponential dwell times); empty for no switching.
    switch_s : float
        Mean dwell time (s) in one switching level.
    rupture_level : float
        Coupling multiplier during a rupture (the caregiver disengages).
    min_rupture_s, max_repair_s, min_gap_s : float
        Shortest rupture, longest repaired rupture and shortest attuned stretch (s),
        so that episodes stay detectable from a windowed synchrony series.
    long_unrepaired_s : float
        A rupture at least this long is flagged ``long_unrepaired`` (15 s: *choice*,
        SCIENCE.md).

    Examples
    --------
    >>> import dataclasses
    >>> one_way = dataclasses.replace(STYLES["sensitive"], k_21=0.0)
    >>> one_way.k_12, one_way.k_21
    (0.5, 0.0)
    """

    name: str
    k_12: float
    k_21: float
    attuned_s: float
    p_repair: float
    repair_latency_s: float
    breakdown_s: tuple[float, float] = (45.0, 90.0)
    switch_levels: tuple[float, ...] = ()
    switch_s: float = 20.0
    rupture_level: float = 0.1
    min_rupture_s: float = 8.0
    max_repair_s: float = 40.0
    min_gap_s: float = 20.0
    long_unrepaired_s: float = 15.0

    def __post_init__(self):
        top = max(self.switch_levels, default=1.0)
        scaled = f" once times the largest switch level {top:g}" if self.switch_levels else ""
        for name in ("k_12", "k_21"):
            k = getattr(self, name)
            if not (isinstance(k, (int, float)) and k >= 0 and k * top < 1):
                raise ValueError(
                    f"Invalid value for {name!r} of style {self.name!r}: expected a number in "
                    f"[0, 1){scaled}, got {k!r}."
                )
        for name in ("p_repair", "rupture_level"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 <= value <= 1):
                raise ValueError(
                    f"Invalid value for {name!r} of style {self.name!r}: expected a number in "
                    f"[0, 1], got {value!r}."
                )
        for name in ("attuned_s", "switch_s", "min_rupture_s", "long_unrepaired_s"):
            check_positive(getattr(self, name), name)
        check_positive(self.min_gap_s, "min_gap_s", allow_zero=True)
        if not self.min_rupture_s <= self.repair_latency_s <= self.max_repair_s:
            raise ValueError(
                f"Invalid value for 'repair_latency_s' of style {self.name!r}: expected a mean "
                f"between min_rupture_s ({self.min_rupture_s:g}) and max_repair_s "
                f"({self.max_repair_s:g}), got {self.repair_latency_s!r}."
            )
        lo, hi = self.breakdown_s
        if not (math.isfinite(hi) and 0 < lo <= hi):
            raise ValueError(
                f"Invalid value for 'breakdown_s' of style {self.name!r}: expected a range "
                f"(low, high) with 0 < low <= high, got {self.breakdown_s!r}."
            )
        if any(not 0 <= level for level in self.switch_levels):
            raise ValueError(
                f"Invalid value for 'switch_levels' of style {self.name!r}: expected "
                f"multipliers >= 0, got {self.switch_levels!r}."
            )


#: The named presets. Couplings: midrange mutual (sensitive), tight and one-way from
#: the caregiver (intrusive), loose (withdrawn), switching unpredictably (inconsistent).
STYLES: dict[str, DyadStyle] = {
    "sensitive": DyadStyle(
        "sensitive", k_12=0.5, k_21=0.5, attuned_s=120.0, p_repair=0.95, repair_latency_s=12.0
    ),
    "intrusive": DyadStyle(
        "intrusive", k_12=0.85, k_21=0.15, attuned_s=90.0, p_repair=0.8, repair_latency_s=16.0
    ),
    "withdrawn": DyadStyle(
        "withdrawn", k_12=0.15, k_21=0.15, attuned_s=90.0, p_repair=0.4, repair_latency_s=28.0
    ),
    "inconsistent": DyadStyle(
        "inconsistent",
        k_12=0.5,
        k_21=0.5,
        attuned_s=90.0,
        p_repair=0.7,
        repair_latency_s=18.0,
        switch_levels=(0.2, 1.0, 1.7),
        switch_s=20.0,
    ),
}
