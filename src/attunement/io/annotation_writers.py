"""Annotation tables written back as ELAN ``.eaf`` files and BORIS event exports.

The table is the one :func:`attunement.io.annotations.read_annotations` gives (``onset_s,
offset_s, label, tier, coder``); both files read back into it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .annotations import read_annotations  # noqa: F401  (used by the examples)


def write_eaf(annotations: pd.DataFrame, path: str | Path, *, media: str | None = None) -> Path:
    """Write annotations as an ELAN ``.eaf`` file (one tier per ``tier``, via pympi-ling).

    Times are rounded to whole milliseconds (ELAN's time unit). Each tier's ``coder``
    becomes its ANNOTATOR. Point events get 1 ms, since ELAN has no zero-length annotation.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> ann = pd.DataFrame({"onset_s": [0.0, 1.5], "offset_s": [1.5, 4.0],
    ...                     "label": ["play", "still-face"], "tier": "phase", "coder": "AB"})
    >>> f = write_eaf(ann, pathlib.Path(tempfile.mkdtemp()) / "phases.eaf")
    >>> read_annotations(f)[["onset_s", "offset_s", "label", "coder"]].values.tolist()
    [[0.0, 1.5, 'play', 'AB'], [1.5, 4.0, 'still-face', 'AB']]
    """
    import pympi

    eaf = pympi.Elan.Eaf(author="attunement")
    eaf.remove_tier("default")
    if media:
        eaf.add_linked_file(str(media))
    for tier, rows in annotations.groupby(annotations["tier"].fillna("annotations"), sort=False):
        coders = rows["coder"].dropna().unique()
        eaf.add_tier(str(tier), ann=str(coders[0]) if len(coders) else None)
        for on, off, label in zip(rows["onset_s"], rows["offset_s"], rows["label"]):
            start, end = round(on * 1000), round(off * 1000)
            eaf.add_annotation(str(tier), start, max(end, start + 1), str(label))
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    eaf.to_file(str(tmp))
    tmp.replace(path)
    return path


def write_boris(annotations: pd.DataFrame, path: str | Path) -> Path:
    """Write annotations as a BORIS tabular events export (TSV or CSV by suffix).

    Intervals become START and STOP rows, point events POINT rows; the tier is the
    subject. :func:`read_annotations` reads the file back.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> ann = pd.DataFrame({"onset_s": [2.0, 3.0], "offset_s": [6.5, 3.0],
    ...                     "label": ["smile", "cry"], "tier": ["mother", "infant"]})
    >>> f = write_boris(ann, pathlib.Path(tempfile.mkdtemp()) / "events.tsv")
    >>> print(f.read_text().strip())
    Subject	Behavior	Behavior type	Time
    mother	smile	START	2.0
    infant	cry	POINT	3.0
    mother	smile	STOP	6.5
    """
    rows = []
    for on, off, label, tier in zip(annotations["onset_s"], annotations["offset_s"],
                                    annotations["label"], annotations["tier"]):
        subject = "" if pd.isna(tier) else str(tier)
        if off == on:
            rows.append((subject, str(label), "POINT", on))
        else:
            rows += [(subject, str(label), "START", on), (subject, str(label), "STOP", off)]
    table = pd.DataFrame(rows, columns=["Subject", "Behavior", "Behavior type", "Time"])
    table = table.sort_values("Time", kind="stable")
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    table.to_csv(tmp, sep="\t" if path.suffix.lower() == ".tsv" else ",", index=False)
    tmp.replace(path)
    return path
