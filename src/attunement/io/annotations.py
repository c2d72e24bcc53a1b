"""Coders' annotations: CSV tables, ELAN ``.eaf`` files and BORIS event exports.

Every reader gives one table, ``onset_s, offset_s, label, tier, coder``, one row per
annotated interval (a point event has ``offset_s == onset_s``), sorted by onset. From it,
:func:`annotations_to_phases` gives a Session's phases and :func:`annotations_to_codes`
the coded states that :func:`attunement.match_states` takes.
:mod:`attunement.io.annotation_writers` writes the table back (ELAN, BORIS).

Formats: ELAN 3.0 EAF through pympi-ling (tiers with their time slots, participants,
annotators and controlled vocabularies; overlapping annotations on different tiers are
kept as they are). BORIS "Export events" tabular files (CSV/TSV; one row per START, STOP or
POINT event, column ``Behavior type``, or ``Status`` before BORIS 8) and "Export aggregated
events" (one row per state with ``Start (s)``/``Stop (s)``), as described in the BORIS user
guide (github.com/olivierfriard/boris_docs, export_events.rst). CSV: an onset (``onset_s``,
``onset``, ``start``), an offset (``offset_s``, ``offset``, ``end``) or a duration, a
``label`` (``tier``, ``coder`` optional; without a coder column the file name is the coder);
an ``episodes.csv`` of ``attune episodes`` reads with its ``kind`` as the label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._check import check_positive
from .._log import logger
from ..session import validate_phases
from ._files import check_file
from .codes import read_codes
from .phases import _DURATION, _LABEL, _OFFSET, _ONSET, _find

ANNOTATION_COLUMNS = ["onset_s", "offset_s", "label", "tier", "coder"]
ANNOTATION_SUFFIXES = (".csv", ".tsv", ".txt", ".eaf")
_BORIS_EVENT = {"Subject", "Behavior", "Time"}
_BORIS_AGGREGATED = {"Subject", "Behavior", "Start (s)", "Stop (s)"}


def read_annotations(path: str | Path, *, coder: str | None = None) -> pd.DataFrame:
    """Read annotations from a CSV/TSV table, an ELAN ``.eaf`` or a BORIS export.

    Parameters
    ----------
    path : str or Path
        The file; its kind is decided by content (an ``.eaf`` is ELAN XML; a table with
        ``Subject``, ``Behavior`` and ``Time`` or ``Start (s)`` columns is a BORIS export).
    coder : str, optional
        Who coded the file; when given it fills the ``coder`` column for every row
        (otherwise: ELAN's tier annotator, a ``coder`` column, or missing).

    Returns
    -------
    DataFrame
        ``onset_s``, ``offset_s`` (float seconds), ``label``, ``tier`` (ELAN tier, BORIS
        subject, or the CSV's ``tier``), ``coder``; string columns use pandas' string
        dtype (missing is ``pd.NA``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "codes.csv"
    >>> _ = f.write_text("onset_s,offset_s,label\\n0,120,play\\n120,240,still-face\\n")
    >>> read_annotations(f, coder="AB")
       onset_s  offset_s       label  tier coder
    0      0.0     120.0        play  <NA>    AB
    1    120.0     240.0  still-face  <NA>    AB
    """
    path = check_file(path)
    if path.suffix.lower() == ".eaf" or _starts_with_xml(path):
        table, took = _read_eaf(path)
    else:
        raw = _read_text_table(path)
        if _BORIS_EVENT <= set(raw.columns) or _BORIS_AGGREGATED <= set(raw.columns):
            table, took = _read_boris(raw, path)
        else:
            table, took = _read_csv(raw, path)
    if coder is not None:
        table["coder"] = str(coder)
    out = _clean(table, path)
    logger.info("%s: took %d annotation(s) on %d tier(s); %s", path.name, len(out),
                out["tier"].nunique(dropna=False) if len(out) else 0, took)
    return out


def _starts_with_xml(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(64).lstrip().startswith(b"<?xml")


def _read_text_table(path: Path) -> pd.DataFrame:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            head = fh.readline()
        sep = "\t" if "\t" in head else ","
        return pd.read_csv(path, sep=sep, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise ValueError(f"{path}: not a readable CSV/TSV table ({err}).") from None


def _read_csv(raw: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, str]:
    lower = {str(c).strip().lower(): c for c in raw.columns}
    onset = _find(lower, _ONSET)
    label = _find(lower, _LABEL + ("kind",))
    offset, duration = _find(lower, _OFFSET), _find(lower, _DURATION)
    if onset is None or label is None or (offset is None and duration is None):
        raise ValueError(
            f"{path}: an annotation table needs an onset column (one of {_ONSET}), an offset "
            f"(one of {_OFFSET}) or duration (one of {_DURATION}) column, and a label column "
            f"(one of {_LABEL + ('kind',)}; an episodes table's kind), or must be an ELAN "
            f".eaf or a BORIS export; got {list(raw.columns)}."
        )
    on = _seconds(raw[onset], path, onset)
    off = (_seconds(raw[offset], path, offset) if offset is not None
           else on + _seconds(raw[duration], path, duration))
    bad = np.flatnonzero(off < on)
    if len(bad):
        raise ValueError(f"{path}: row {int(bad[0]) + 1}: the offset ({off[bad[0]]}) is before "
                         f"the onset ({on[bad[0]]}); expected offset >= onset.")
    labels = raw[label].astype("string").str.strip()
    if labels.isna().any():
        row = int(np.flatnonzero(labels.isna().to_numpy())[0]) + 1
        raise ValueError(f"{path}: column {label!r} is empty in row {row}; every coded "
                         "stretch needs a label.")
    tier, coder = _find(lower, ("tier",)), _find(lower, ("coder", "observer"))
    out = pd.DataFrame({"onset_s": on, "offset_s": off, "label": labels})
    out["tier"] = raw[tier] if tier is not None else pd.NA
    # Without a coder column the file's name says who coded it (coder_a.csv).
    out["coder"] = (raw[coder].astype("string").fillna(path.stem) if coder is not None
                    else path.stem)
    used = {onset, offset, duration, label, tier, coder}
    dropped = [c for c in raw.columns if c not in used]
    return out, f"dropped columns: {dropped or 'none'}"


def _read_eaf(path: Path) -> tuple[pd.DataFrame, str]:
    import pympi

    try:
        eaf = pympi.Elan.Eaf(str(path), suppress_version_warning=True)
    except Exception as err:  # pympi raises XML, Key and Index errors for broken files
        raise ValueError(f"{path}: not a readable ELAN .eaf file ({type(err).__name__}: "
                         f"{err}).") from None
    rows, outside, empty, unaligned = [], 0, 0, 0
    for tier in eaf.get_tier_names():
        params = eaf.get_parameters_for_tier(tier)
        allowed = _cv_values(eaf, params.get("LINGUISTIC_TYPE_REF"))
        try:
            data = eaf.get_annotation_data_for_tier(tier)
        except (KeyError, IndexError, TypeError) as err:  # a reference to an undefined slot
            raise ValueError(f"{path}: tier {tier!r} refers to a time slot or annotation that "
                             f"the file does not define ({err}).") from None
        for ann in data:
            start, end, value = ann[0], ann[1], ann[2]
            if start is None or end is None:  # a time slot without a time (unaligned)
                unaligned += 1
                continue
            if not str(value).strip():
                empty += 1
            if allowed and value not in allowed:
                outside += 1
            rows.append({"onset_s": start / 1000, "offset_s": end / 1000, "label": value,
                         "tier": tier, "coder": params.get("ANNOTATOR", pd.NA)})
    if not rows:
        raise ValueError(f"{path}: the ELAN file holds no time-aligned annotations.")
    note = (f"{outside} label(s) outside the tier's controlled vocabulary, "
            f"{empty} empty label(s) kept, {unaligned} annotation(s) on unaligned time slots "
            "dropped")
    if outside or unaligned:
        logger.warning("%s: %s.", path.name, note)
    return pd.DataFrame(rows), note


def _cv_values(eaf, ling_type: str | None) -> set[str]:
    cv = eaf.linguistic_types.get(ling_type or "", {}).get("CONTROLLED_VOCABULARY_REF")
    if not cv or cv not in eaf.controlled_vocabularies:
        return set()
    entries = eaf.controlled_vocabularies[cv][1]
    return {v[0] for entry in entries.values() for v in entry[0]}


def _read_boris(raw: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, str]:
    if _BORIS_AGGREGATED <= set(raw.columns):
        out = pd.DataFrame({"onset_s": raw["Start (s)"], "offset_s": raw["Stop (s)"],
                            "label": raw["Behavior"], "tier": raw["Subject"], "coder": pd.NA})
        return out, "BORIS aggregated events"
    kind_col = "Behavior type" if "Behavior type" in raw.columns else "Status"
    if kind_col not in raw.columns:
        raise ValueError(f"{path}: a BORIS events export needs a 'Behavior type' (or 'Status') "
                         "column with START, STOP or POINT.")
    times = _seconds(raw["Time"], path, "Time")
    kinds = raw[kind_col].astype("string").str.strip().str.upper()
    subjects = raw["Subject"].astype("string").fillna("")
    behaviors = raw["Behavior"].astype("string").fillna("")
    rows, open_ = [], {}
    for i in np.argsort(times, kind="stable"):
        key = (subjects.iloc[i], behaviors.iloc[i])
        kind, t = kinds.iloc[i], times[i]
        if kind == "POINT":
            rows.append((t, t, *key[::-1]))
        elif kind == "START":
            if key in open_:
                raise ValueError(f"{path}: row {i}: {key[1]!r} of subject {key[0]!r} starts "
                                 f"again at {t:g} s before its STOP.")
            open_[key] = t
        elif kind == "STOP":
            if key not in open_:
                raise ValueError(f"{path}: row {i}: STOP of {key[1]!r} (subject {key[0]!r}) "
                                 f"at {t:g} s without a START.")
            rows.append((open_.pop(key), t, *key[::-1]))
        else:
            raise ValueError(f"{path}: column {kind_col!r} row {i} is {raw[kind_col].iloc[i]!r};"
                             " expected START, STOP or POINT.")
    if open_:
        (subj, beh), t = next(iter(open_.items()))
        raise ValueError(f"{path}: {beh!r} of subject {subj!r} starts at {t:g} s and never "
                         f"stops ({len(open_)} unpaired START event(s)).")
    out = pd.DataFrame(rows, columns=["onset_s", "offset_s", "label", "tier"]).assign(coder=pd.NA)
    return out, f"BORIS events: {len(raw)} event row(s) paired into {len(out)} annotation(s)"


def _seconds(values: pd.Series, path: Path, col: str) -> np.ndarray:
    out = pd.to_numeric(values, errors="coerce")
    bad = out.isna() | ~np.isfinite(out.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"{path}: column {col!r} must hold numbers (seconds); row {row + 1} "
                         f"has {values.iloc[row]!r}.")
    return out.to_numpy(dtype=float)


def _clean(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    if table.empty:
        raise ValueError(f"{path}: no annotations found.")
    out = pd.DataFrame({"onset_s": _seconds(table["onset_s"], path, "onset_s"),
                        "offset_s": _seconds(table["offset_s"], path, "offset_s")})
    back = out["offset_s"] < out["onset_s"]
    if back.any():
        row = int(np.flatnonzero(back.to_numpy())[0])
        raise ValueError(f"{path}: row {row + 1}: the offset ({out['offset_s'][row]}) is "
                         f"before the onset ({out['onset_s'][row]}); expected offset >= onset.")
    for col in ("label", "tier", "coder"):
        out[col] = pd.Series(table[col].to_numpy(dtype=object), dtype="string")
    if out["label"].isna().any():
        row = int(np.flatnonzero(out["label"].isna().to_numpy())[0])
        raise ValueError(f"{path}: row {row + 1} has no label; every coded stretch needs "
                         "a label.")
    return out.sort_values(["onset_s", "offset_s"], kind="stable").reset_index(drop=True)


def annotations_to_phases(annotations: pd.DataFrame, tier: str | None = None) -> pd.DataFrame:
    """A Session's phases (``onset_s, duration_s, label``) from one tier's annotations.

    ``tier`` is needed when the table has several tiers (the phase tier of a still-face
    coding, say); point events cannot be phases.

    Examples
    --------
    >>> ann = pd.DataFrame({"onset_s": [0.0, 120.0], "offset_s": [120.0, 240.0],
    ...                     "label": ["play", "still-face"], "tier": "phase", "coder": "AB"})
    >>> annotations_to_phases(ann)
       onset_s  duration_s       label
    0      0.0       120.0        play
    1    120.0       120.0  still-face
    """
    rows = _one_tier(annotations, tier, "tier")
    if (rows["offset_s"] <= rows["onset_s"]).any():
        raise ValueError("tier: phases need intervals; this tier holds point events.")
    phases = pd.DataFrame({"onset_s": rows["onset_s"],
                           "duration_s": rows["offset_s"] - rows["onset_s"],
                           "label": rows["label"].astype(str)})
    return validate_phases(phases, f"tier {tier!r}" if tier else "annotations")


def phases_from_file(path: str | Path, tier: str | None = None) -> pd.DataFrame:
    """A Session's phases from an annotation file (:func:`read_annotations`) or a phase
    table with ``onset``/``duration`` columns (:func:`attunement.io.read_phases`)."""
    try:
        return annotations_to_phases(read_annotations(path), tier)
    except ValueError as err:
        if "an annotation table needs" not in str(err):  # a wide coded-state table
            raise
    from .phases import read_phases

    return read_phases(path)


def codes_from_file(path: str | Path, tiers: Sequence[str] | None = None,
                    step_s: float = 1.0) -> pd.DataFrame:
    """Coded states for :func:`attunement.match_states` from an annotation file (ELAN, BORIS,
    an ``onset_s, offset_s, label, tier`` table) or a coded-state table (``time`` and one
    code column per partner, :func:`attunement.read_codes`).

    ``tiers``: the tiers (subjects) of partner 1 and partner 2; default the file's two tiers
    in order of first appearance.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "codes.tsv"
    >>> _ = f.write_text("Subject\\tBehavior\\tBehavior type\\tTime\\nmom\\tPos\\tSTART\\t0\\n"
    ...                  "baby\\tNeg\\tSTART\\t0\\nmom\\tPos\\tSTOP\\t2\\nbaby\\tNeg\\tSTOP\\t2\\n")
    >>> codes_from_file(f)
       time_s  mom baby
    0     0.0  Pos  Neg
    1     1.0  Pos  Neg
    """
    try:
        ann = read_annotations(path)
    except ValueError as err:
        if "an annotation table needs" not in str(err):  # a wide coded-state table
            raise
        return read_codes(path)
    if tiers is None:
        tiers = list(dict.fromkeys(ann["tier"].dropna()))
        if len(tiers) != 2:
            raise ValueError(f"{path}: has tiers {tiers}; name the two partners' tiers "
                             "('tiers').")
    codes = annotations_to_codes(ann, tiers, step_s=step_s)
    codes.attrs["id"] = Path(path).stem
    return codes


def annotations_to_codes(
    annotations: pd.DataFrame, tiers: Sequence[str], step_s: float = 1.0,
    end_s: float | None = None,
) -> pd.DataFrame:
    """Coded states per partner on a grid (``time_s`` and one column per tier).

    Each grid time takes the label of the annotation covering it on that tier (the one
    that started last where several overlap); uncovered times are missing. The result
    is what :func:`attunement.match_states` takes.

    Parameters
    ----------
    tiers : pair of str
        The tiers (ELAN) or subjects (BORIS) coding partner 1 and partner 2.
    step_s : float
        Grid step (1 s, as in Tronick's second-by-second coding).
    end_s : float, optional
        Grid end (default the last offset).

    Examples
    --------
    >>> ann = pd.DataFrame({"onset_s": [0.0, 0.0, 2.0], "offset_s": [2.0, 3.0, 3.0],
    ...                     "label": ["Pos", "Neu", "Neg"], "tier": ["mom", "baby", "mom"],
    ...                     "coder": pd.NA})
    >>> annotations_to_codes(ann, ["mom", "baby"])
       time_s  mom  baby
    0     0.0  Pos   Neu
    1     1.0  Pos   Neu
    2     2.0  Neg   Neu
    """
    step = check_positive(step_s, "step_s")
    if len(tiers) != 2 or tiers[0] == tiers[1]:
        raise ValueError(f"tiers: expected two different tiers, got {list(tiers)}.")
    last = float(annotations["offset_s"].max()) if end_s is None else float(end_s)
    grid = np.arange(int(math.ceil(last / step - 1e-9))) * step
    out = {"time_s": grid}
    for tier in tiers:
        rows = _one_tier(annotations, tier, "tiers")
        codes = pd.Series(pd.NA, index=range(len(grid)), dtype="string")
        for on, off, label in zip(rows["onset_s"], rows["offset_s"], rows["label"]):
            codes[(grid >= on - 1e-9) & (grid < off - 1e-9)] = label
        out[tier] = codes.to_numpy()
    return pd.DataFrame(out).astype({t: "string" for t in tiers})


def _one_tier(annotations: pd.DataFrame, tier: str | None, param: str) -> pd.DataFrame:
    tiers = sorted(annotations["tier"].dropna().unique())
    if tier is None:
        if len(tiers) > 1:
            raise ValueError(f"{param}: the annotations have several tiers {tiers}; choose one.")
        return annotations
    if tier not in tiers:
        raise ValueError(f"{param}: no tier {tier!r}; the tiers are {tiers}.")
    return annotations[annotations["tier"] == tier]
