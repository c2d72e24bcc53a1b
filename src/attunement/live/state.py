"""The attuned / non-attuned state online: the detector's HMM run as a forward filter.

Offline, :func:`attunement.episodes.segment_states` decodes the whole series at once
(Viterbi, which uses the future). Live, only the past is known: the same two-state model
(transitions from the prior dwell times, tempered Gaussian emissions anchored to the
surrogate null) is run forward, ``P(attuned | scores so far)``, and its emissions are refitted
every ``refit_s`` seconds by :func:`~attunement.episodes.segment_states` on the scores so far
(before that, the prior: non-attuned N(0, 1), attuned N(``min_effect`` + 1, 1)). A state
change is reported once it has held ``min_episode_s`` (one window, the offline minimum run),
with the onset of the run that it started: a rupture is a change from attuned to not attuned,
a repair the change back, ``'attuned'`` the first attunement. A session that starts out of
step has no rupture until it has been attuned (offline counts that first run as a rupture;
SCIENCE.md: it is not one).

The delay. A change is reported once the window showing it is complete, ``(window_s +
max_lag_s) / 2`` (3 s) after its centre, and has held ``min_episode_s`` (4 s), plus the
forward filter's own lag (it weighs only the past, where Viterbi also sees the future); the
reported onset backdates the run's start. Measured on simulator seeds 3 and 5: live rupture
onsets 3.0-4.5 s from the offline ones, reports 6.75-8.25 s after the onset (tests allow 5 s
and 10 s). On the rMEA interviews, where offline ruptures are small drops, P(attuned) falls
over 10-30 s and none of 10 offline ruptures had a live one within 5 s
(benchmarks/README.md).

What live cannot know: the whole session. Offline gates a session first (its mean synchrony
against its surrogates) and each run against the surrogates' largest run; live has neither
before the end, so the gate below stands in for both.

The gate. As offline (:mod:`attunement.episodes.gate`), a run only becomes attuned when its
evidence, the run statistic of :func:`attunement.episodes.gate.run_statistics` (mean score
times the square root of the independent windows it spans), is large enough. Offline the
bar is the largest run statistic of the session's surrogates, which live are not all known
yet; live it is :data:`GATE`, the 95th percentile of the largest run statistic the filter
reaches on pseudo-dyads (real recordings of people who never met). So a pair without a
relationship gets a (false) attunement, and so any rupture, in about 5 % of sessions
(measured on 20 other pseudo-dyads of whole 10 min interviews: none attuned, none with a
rupture; ungated 19 and 19).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._check import check_positive
from ..episodes import segment_states
from ..episodes.gate import run_statistics

#: The gate's default: the 95th percentile of the largest run statistic the forward filter
#: reaches on 60 pseudo-dyads of the rMEA intake interviews (whole 10 min sessions; partner 1
#: of session i with partner 2 of session i + 2, i + 3 and i + 4), alpha 0.05 as offline, with
#: the score run forward (:class:`~attunement.live.score.OnlineScore`'s defaults; 5.80 with its
#: earlier 10 s fit on the first 5 min). Calibrated on those pairs only, not on the real
#: sessions or the evaluation pseudo-dyads (i with i + 1): benchmarks/live_pseudo_dyads.py,
#: figures in benchmarks/README.md. A longer session gives a null run more chances, so for
#: sessions much longer than 10 min this gate is lenient.
GATE = 6.37


@dataclass
class StateUpdate:
    """One step of the online state.

    ``time_s``: the window centre the step stands for; ``score``: the combined score;
    ``p_attuned``: the forward probability; ``attuned``: the confirmed state; ``event``:
    ``'rupture'``, ``'repair'`` or None; ``onset_s``: the onset of the run the event
    confirms (window centre minus half a step, as the offline episode table)."""

    time_s: float
    score: float
    p_attuned: float
    attuned: bool
    event: str | None = None
    onset_s: float = math.nan


class ForwardState:
    """Forward filter of the two-state HMM with confirmed rupture and repair events.

    Parameters
    ----------
    step_s, window_s, attuned_dwell_s, rupture_dwell_s, evidence_s, min_effect,
    rupture_fraction, min_episode_s
        As in :func:`~attunement.episodes.segment_states` (0.5 s, 4 s, 30 s, 15 s,
        ``window_s / 2``, 1, 0.15, ``window_s``).
    refit_s : float
        Seconds between refits of the emissions (10 s, choice).
    min_refit : int
        Finite scores needed before the first refit (40: 20 s at 0.5 s, choice).
    confidence : float
        Forward probability a state must reach to become the candidate (0.8, choice: with
        0.5 the forward filter flickered on real interviews, 1.2 ruptures/min against 0.19
        offline; 0.8 gave 0.33/min and kept every offline rupture of simulator seeds 3 and
        5 within 4.5 s, benchmarks/live_pseudo_dyads.py). Leaving attunement needs
        P(attuned) below ``1 - confidence``: hysteresis.
    gate : float or None
        Run statistic a run must reach to become attuned (default :data:`GATE`; None: no
        gate; ``math.inf``: never, to measure :attr:`max_run_statistic` on a null).

    Attributes
    ----------
    max_run_statistic : float
        The largest run statistic reached so far by a run heading for attunement that has
        held ``min_episode_s`` (what a gate of that value would have confirmed).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> score = np.r_[rng.normal(4, 1, 120), rng.normal(0, 1, 60), rng.normal(4, 1, 80)]
    >>> fs = ForwardState(step_s=0.5)
    >>> ups = [fs.update(0.5 * i, v) for i, v in enumerate(score)]
    >>> [(u.event, u.onset_s) for u in ups if u.event]  # true changes at 59.75 and 89.75
    [('attuned', -0.25), ('rupture', 61.25), ('repair', 90.75)]
    """

    def __init__(self, step_s: float = 0.5, *, window_s: float = 4.0,
                 attuned_dwell_s: float = 30.0, rupture_dwell_s: float = 15.0,
                 evidence_s: float | None = None, min_effect: float = 1.0,
                 rupture_fraction: float = 0.15, min_episode_s: float | None = None,
                 refit_s: float = 10.0, min_refit: int = 40, confidence: float = 0.8,
                 gate: float | None = GATE):
        self.step_s = check_positive(step_s, "step_s")
        window = check_positive(window_s, "window_s")
        evidence = window / 2 if evidence_s is None else check_positive(evidence_s, "evidence_s")
        self.weight = min(1.0, self.step_s / evidence)
        stay = np.exp(-self.step_s / np.array([
            check_positive(rupture_dwell_s, "rupture_dwell_s"),
            check_positive(attuned_dwell_s, "attuned_dwell_s")]))
        self.trans = np.array([[stay[0], 1 - stay[0]], [1 - stay[1], stay[1]]])
        init = np.array([1 - stay[1], 1 - stay[0]])
        self.forward = init / init.sum()
        self.seg = dict(window_s=window, attuned_dwell_s=attuned_dwell_s,
                        rupture_dwell_s=rupture_dwell_s, evidence_s=evidence,
                        min_effect=min_effect, rupture_fraction=rupture_fraction)
        hold = window if min_episode_s is None else check_positive(
            min_episode_s, "min_episode_s", allow_zero=True)
        self.hold = max(1, int(math.ceil(hold / self.step_s - 1e-9)))
        self.emissions = dict(rupture_mean=0.0, rupture_sd=1.0,
                              attuned_mean=float(min_effect) + 1.0, attuned_sd=1.0)
        self.every = max(1, int(round(check_positive(refit_s, "refit_s") / self.step_s)))
        self.min_refit = int(min_refit)
        if not 0.5 <= float(confidence) < 1:
            raise ValueError(
                f"Invalid value for 'confidence': expected 0.5 <= value < 1, got {confidence!r}."
            )
        self.confidence = float(confidence)
        if gate is not None and not float(gate) >= 0:
            raise ValueError(f"Invalid value for 'gate': expected a number >= 0 or None, got "
                             f"{gate!r}.")
        self.gate = None if gate is None else float(gate)
        self.evidence_s = evidence
        self.max_run_statistic = -math.inf
        self._run_scores: list[float] = []
        self.scores: list[float] = []
        self.attuned = False
        self.ever_attuned = False
        self._run_start = math.nan
        self._run_len = 0

    def update(self, time_s: float, score: float) -> StateUpdate:
        """Advance one step with the combined score of the window centred at ``time_s``
        (NaN: missing; the state carries over)."""
        self.scores.append(float(score))
        n = len(self.scores)
        if n >= self.min_refit and n % self.every == 0:
            finite = np.isfinite(self.scores)
            if finite.sum() >= self.min_refit:
                self.emissions = segment_states(np.array(self.scores), self.step_s,
                                                **self.seg).emissions
        prior = self.forward @ self.trans
        if np.isfinite(score):
            ll = np.array([self._loglik(score, k) for k in ("rupture", "attuned")])
            post = prior * np.exp(ll - ll.max())
            self.forward = post / post.sum()
        else:
            self.forward = prior
        p = float(self.forward[1])
        return self._confirm(time_s, score, p)

    def _loglik(self, x: float, name: str) -> float:
        mu, sd = self.emissions[f"{name}_mean"], self.emissions[f"{name}_sd"]
        return self.weight * (-0.5 * ((x - mu) / sd) ** 2 - math.log(sd))

    def _confirm(self, time_s: float, score: float, p: float) -> StateUpdate:
        if self.attuned:
            candidate = p >= 1 - self.confidence
        else:
            candidate = p > self.confidence
        if not np.isfinite(score):  # no evidence: the state and the pending run carry over
            return StateUpdate(time_s, score, p, self.attuned)
        if candidate == self.attuned:
            self._run_len = 0
            return StateUpdate(time_s, score, p, self.attuned)
        if self._run_len == 0:
            self._run_start = time_s - self.step_s / 2
            self._run_scores = []
        self._run_len += 1
        held = self._run_len >= self.hold
        if candidate:  # a run heading for attunement: its evidence so far
            self._run_scores.append(score)
            ((_, _, stat),) = run_statistics(np.ones(len(self._run_scores), bool),
                                             np.array(self._run_scores), self.step_s,
                                             self.evidence_s)
            if held:  # what could confirm it: a run held for min_episode_s
                self.max_run_statistic = max(self.max_run_statistic, stat)
            held = held and (self.gate is None or stat >= self.gate)
        if not held:
            return StateUpdate(time_s, score, p, self.attuned)
        self.attuned, self._run_len = candidate, 0
        event = None
        if candidate:
            event = "repair" if self.ever_attuned else "attuned"
            self.ever_attuned = True
        else:
            event = "rupture"
        return StateUpdate(time_s, score, p, self.attuned, event, self._run_start)
