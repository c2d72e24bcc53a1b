"""Time-scale presets of the episode detector, one per research paradigm (``paradigm=``).

Attunement lives on different time scales in different paradigms, and one set of windows
cannot serve them all: infant face-to-face affect is coded second by second and matches
last seconds, while adult movement synchrony in psychotherapy is measured over windows of
half a minute to a minute. A preset names the window, lag, step and state durations of one
paradigm, with its sources; any parameter given explicitly overrides the preset. The same
name is used by :func:`~attunement.episodes.detect_episodes` (``paradigm=``), the CLI
(``--paradigm``) and the configuration (``[episodes] paradigm``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Paradigm:
    """The detector's time scale for one paradigm (seconds throughout).

    Attributes
    ----------
    name : str
        The preset's name.
    window_s, max_lag_s, step_s, prewhiten_s, min_shift_s : float
        The synchrony series (:func:`~attunement.episodes.synchrony_series`).
    attuned_dwell_s, rupture_dwell_s : float
        Prior mean durations of the states (:func:`~attunement.episodes.segment_states`).
    long_unrepaired_s : float
        A rupture not repaired within this time is long unrepaired.
    why : str
        What the values rest on (published values and choices, SCIENCE.md).
    """

    name: str
    window_s: float
    max_lag_s: float
    step_s: float
    prewhiten_s: float
    min_shift_s: float
    attuned_dwell_s: float
    rupture_dwell_s: float
    long_unrepaired_s: float
    why: str

    def params(self) -> dict:
        """The detector's keyword arguments (everything but ``name`` and ``why``)."""
        out = asdict(self)
        out.pop("name")
        out.pop("why")
        return out


#: The presets, by name. The first is the default of ``detect_episodes``.
PARADIGMS: dict[str, Paradigm] = {
    "infant-face-to-face": Paradigm(
        "infant-face-to-face", window_s=4.0, max_lag_s=2.0, step_s=0.5, prewhiten_s=1.0,
        min_shift_s=30.0, attuned_dwell_s=30.0, rupture_dwell_s=15.0, long_unrepaired_s=15.0,
        why="Caregiver-infant face-to-face affect and movement: behaviour is coded on a 1 s "
            "base (Beebe et al. 2010; Feldman 2007) and matches, mismatches and repairs last "
            "seconds (Tronick & Cohn 1989), so 4 s windows moved by 0.5 s, lags to 2 s (twice "
            "the 1 s response lag); long unrepaired from 15 s (choice).",
    ),
    "psychotherapy-movement": Paradigm(
        "psychotherapy-movement", window_s=30.0, max_lag_s=5.0, step_s=5.0, prewhiten_s=1.0,
        min_shift_s=60.0, attuned_dwell_s=120.0, rupture_dwell_s=60.0, long_unrepaired_s=60.0,
        why="Adult movement synchrony (Motion Energy Analysis) in psychotherapy: rMEA's "
            "windowed cross-correlation over 30-60 s windows with lags of +-5 s (Ramseyer & "
            "Tschacher 2011; rMEA MEAccf examples lag 5 s, window 60 s); 30 s windows moved "
            "by 5 s (choice: onsets to a sixth of a window), states lasting minutes and long "
            "unrepaired from 60 s (choices).",
    ),
}
DEFAULT_PARADIGM = "infant-face-to-face"


def get_paradigm(name: str) -> Paradigm:
    """The preset called ``name``.

    Examples
    --------
    >>> get_paradigm("psychotherapy-movement").window_s
    30.0
    """
    if name not in PARADIGMS:
        raise ValueError(
            f"Invalid value for 'paradigm': expected one of {', '.join(PARADIGMS)}, "
            f"got {name!r}."
        )
    return PARADIGMS[name]


def resolve(paradigm: str, **given) -> dict:
    """The preset's parameters with every non-None ``given`` value on top.

    Examples
    --------
    >>> p = resolve("infant-face-to-face", window_s=6.0, step_s=None)
    >>> p["window_s"], p["step_s"]
    (6.0, 0.5)
    """
    params = get_paradigm(paradigm).params()
    unknown = sorted(set(given) - set(params))
    if unknown:
        raise ValueError(f"Invalid parameter(s) {unknown}: expected some of {sorted(params)}.")
    params.update({k: v for k, v in given.items() if v is not None})
    return params
