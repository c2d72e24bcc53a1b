"""Regions of interest per person: split-screen layouts or explicit boxes.

A region is one partner's box in the video frame (``head``, ``body``, or the whole
half of a split screen). Boxes are ``[x0, y0, x1, y1]`` (left, top, right, bottom),
in pixels or in fractions of the frame's width and height. Everything here is
plain Python and NumPy: no video library is needed.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._check import check_option

#: Split-screen layouts: partner 1's and partner 2's box as fractions of the frame.
LAYOUTS = {
    "split-lr": ((0.0, 0.0, 0.5, 1.0), (0.5, 0.0, 1.0, 1.0)),
    "split-rl": ((0.5, 0.0, 1.0, 1.0), (0.0, 0.0, 0.5, 1.0)),
    "split-tb": ((0.0, 0.0, 1.0, 0.5), (0.0, 0.5, 1.0, 1.0)),
    "split-bt": ((0.0, 0.5, 1.0, 1.0), (0.0, 0.0, 1.0, 0.5)),
}
UNITS = ("pixel", "fraction")
DEFAULT_PARTNERS = ("partner_1", "partner_2")


@dataclass(frozen=True)
class Region:
    """One partner's region of interest, in pixels of a given frame size.

    Attributes
    ----------
    partner : str
        The partner the region belongs to.
    name : str
        Region name, e.g. ``"head"``, ``"body"``, ``"whole"``; it names the
        motion channel ``motion_<name>``.
    x0, y0, x1, y1 : int
        Left, top, right (exclusive) and bottom (exclusive) edges in pixels.

    Examples
    --------
    >>> r = Region("caregiver", "head", 10, 0, 110, 80)
    >>> r.width, r.height, r.area
    (100, 80, 8000)
    """

    partner: str
    name: str
    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def area(self) -> int:
        return self.width * self.height

    @property
    def slices(self) -> tuple[slice, slice]:
        """``(rows, columns)`` slices that cut the region out of a frame array."""
        return slice(self.y0, self.y1), slice(self.x0, self.x1)

    def overlaps(self, other: Region) -> bool:
        """True when the two boxes share at least one pixel."""
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )

    def to_dict(self) -> dict[str, Any]:
        return {"partner": self.partner, "name": self.name,
                "box_px": [self.x0, self.y0, self.x1, self.y1]}


def layout_regions(
    layout: str, width: int, height: int, partners: Sequence[str] = DEFAULT_PARTNERS
) -> list[Region]:
    """One ``whole`` region per partner from a split-screen layout.

    ``split-lr``: partner 1 left half, partner 2 right half (``split-rl`` the
    reverse); ``split-tb``: partner 1 top half, partner 2 bottom half
    (``split-bt`` the reverse). These are the common set-ups of face-to-face
    studies filmed with two cameras mixed into one picture.

    Examples
    --------
    >>> [(r.partner, r.x0, r.x1) for r in layout_regions("split-lr", 640, 480)]
    [('partner_1', 0, 320), ('partner_2', 320, 640)]
    >>> layout_regions("quad", 640, 480)
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for the 'layout' parameter. Allowed values are 'split-lr', ...
    """
    check_option(layout, "layout", LAYOUTS)
    partners = _check_partners(partners, "partners")
    return [
        _to_pixels(partner, "whole", box, "fraction", width, height, f"layout {layout!r}")
        for partner, box in zip(partners, LAYOUTS[layout], strict=True)
    ]


def read_regions(path: str | Path) -> dict[str, Any]:
    """Read a regions file (TOML or JSON) into the mapping :func:`resolve_regions` takes.

    The file names the units once and one table per partner, with one box per
    region as ``[x0, y0, x1, y1]``::

        units = "fraction"          # or "pixel"
        [partners.therapist]
        head = [0.15, 0.05, 0.35, 0.35]
        body = [0.05, 0.35, 0.45, 1.0]
        [partners.client]
        head = [0.65, 0.05, 0.85, 0.35]
        body = [0.55, 0.35, 0.95, 1.0]

    JSON holds the same: ``{"units": "fraction", "partners": {"therapist": {...}}}``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "regions.json"
    >>> _ = f.write_text('{"units": "pixel", "partners": {"a": {"head": [0, 0, 10, 10]},'
    ...                  ' "b": {"head": [10, 0, 20, 10]}}}')
    >>> read_regions(f)["partners"]["b"]
    {'head': [10, 0, 20, 10]}
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such regions file; expected a .toml or .json file.")
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise ValueError(f"{path}: regions file must end in .toml or .json, got {suffix!r}.")
    try:
        if suffix == ".toml":
            spec = tomllib.loads(path.read_text(encoding="utf-8"))
        else:
            spec = json.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: not valid {suffix[1:].upper()}: {err}.") from None
    if not isinstance(spec, dict):
        raise ValueError(f"{path}: expected a table with 'units' and 'partners'.")
    return spec


def resolve_regions(
    width: int,
    height: int,
    layout: str | None = None,
    regions: str | Path | Mapping[str, Any] | Sequence[Region] | None = None,
    partners: Sequence[str] | None = None,
) -> list[Region]:
    """Turn a layout name or a regions spec into checked pixel regions.

    Parameters
    ----------
    width, height : int
        Frame size in pixels.
    layout : str, optional
        A key of :data:`LAYOUTS`. Give either ``layout`` or ``regions``.
    regions : path, mapping or list of Region, optional
        A regions file (:func:`read_regions`), the mapping such a file holds, or
        ready :class:`Region` objects in pixels.
    partners : pair of str, optional
        Role names for a layout (default ``partner_1``, ``partner_2``). With
        ``regions`` the names come from the spec; if given they must match it.

    Returns
    -------
    list of Region
        Partner 1's regions, then partner 2's, each inside the frame. Regions of
        the same partner may overlap (a body box around the head); regions of
        different partners may not, since motion there would count for both.

    Examples
    --------
    >>> spec = {"units": "fraction", "partners": {"mother": {"head": [0, 0, 0.5, 0.4]},
    ...                                           "infant": {"head": [0.5, 0, 1, 0.4]}}}
    >>> [(r.partner, r.name, r.x1, r.y1) for r in resolve_regions(200, 100, regions=spec)]
    [('mother', 'head', 100, 40), ('infant', 'head', 200, 40)]
    """
    if (layout is None) == (regions is None):
        raise ValueError(
            "Give exactly one of 'layout' (e.g. 'split-lr') or 'regions' (a file or mapping); "
            f"got layout={layout!r} and regions={regions!r}."
        )
    if layout is not None:
        out = layout_regions(layout, width, height, partners or DEFAULT_PARTNERS)
    elif isinstance(regions, (str, Path)):
        out = _from_spec(read_regions(regions), width, height, str(regions))
    elif isinstance(regions, Mapping):
        out = _from_spec(regions, width, height, "regions")
    else:
        out = [_check_region(r, width, height, "regions") for r in regions]
    names = list(dict.fromkeys(r.partner for r in out))
    _check_partners(names, "regions")
    if partners is not None and layout is None and list(partners) != names:
        raise ValueError(
            f"regions: partners {names} do not match the 'partners' given, {list(partners)}."
        )
    _check_overlap(out)
    return out


def _from_spec(spec: Mapping[str, Any], width: int, height: int, source: str) -> list[Region]:
    units = spec.get("units", "pixel")
    if units not in UNITS:
        raise ValueError(f"{source}: 'units' must be one of {list(UNITS)}, got {units!r}.")
    table = spec.get("partners")
    if not isinstance(table, Mapping) or not table:
        raise ValueError(
            f"{source}: expected a 'partners' table with one table of boxes per partner, "
            f"got {table!r}."
        )
    out = []
    for partner, boxes in table.items():
        if not isinstance(boxes, Mapping) or not boxes:
            raise ValueError(
                f"{source}: partners.{partner} must map region names to [x0, y0, x1, y1], "
                f"got {boxes!r}."
            )
        for name, box in boxes.items():
            out.append(_to_pixels(str(partner), str(name), box, units, width, height, source))
    return out


def _to_pixels(partner, name, box, units, width, height, source) -> Region:
    where = f"{source}: partners.{partner}.{name}"
    try:
        values = [float(v) for v in box]
    except (TypeError, ValueError):
        values = []
    if len(values) != 4:
        raise ValueError(f"{where}: expected a box [x0, y0, x1, y1] of 4 numbers, got {box!r}.")
    if units == "fraction":
        if not all(0.0 <= v <= 1.0 for v in values):
            raise ValueError(
                f"{where}: fractions of the frame must lie in [0, 1], got {box!r} "
                "(use units = \"pixel\" for pixel boxes)."
            )
        scale = (width, height, width, height)
        values = [v * s for v, s in zip(values, scale, strict=True)]
    x0, y0, x1, y1 = (int(round(v)) for v in values)
    return _check_region(Region(partner, name, x0, y0, x1, y1), width, height, source)


def _check_region(region: Region, width: int, height: int, source: str) -> Region:
    if not isinstance(region, Region):
        raise ValueError(f"{source}: expected Region objects, got {region!r}.")
    where = f"{source}: partners.{region.partner}.{region.name}"
    box = [region.x0, region.y0, region.x1, region.y1]
    if region.x0 < 0 or region.y0 < 0 or region.x1 > width or region.y1 > height:
        raise ValueError(
            f"{where}: box {box} (pixels) lies outside the {width}x{height} frame; "
            f"expected 0 <= x0 < x1 <= {width} and 0 <= y0 < y1 <= {height}."
        )
    if region.width <= 0 or region.height <= 0:
        raise ValueError(f"{where}: box {box} (pixels) is empty; expected x0 < x1 and y0 < y1.")
    return region


def _check_partners(partners: Sequence[str], source: str) -> tuple[str, str]:
    partners = [str(p) for p in partners]
    if len(partners) != 2 or partners[0] == partners[1]:
        raise ValueError(f"{source}: expected exactly two distinct partners, got {partners}.")
    return partners[0], partners[1]


def _check_overlap(regions: Sequence[Region]) -> None:
    seen = set()
    for r in regions:
        if (r.partner, r.name) in seen:
            raise ValueError(f"regions: partner {r.partner!r} has two regions named {r.name!r}.")
        seen.add((r.partner, r.name))
    for i, a in enumerate(regions):
        for b in regions[i + 1:]:
            if a.partner != b.partner and a.overlaps(b):
                raise ValueError(
                    f"regions: {a.partner}.{a.name} {a.to_dict()['box_px']} overlaps "
                    f"{b.partner}.{b.name} {b.to_dict()['box_px']}; regions of different "
                    "partners must not overlap (their motion would count for both)."
                )


def union_box(regions: Sequence[Region]) -> tuple[int, int, int, int]:
    """The smallest box ``(x0, y0, x1, y1)`` holding all ``regions``.

    Examples
    --------
    >>> union_box([Region("a", "head", 0, 0, 10, 10), Region("a", "body", 5, 10, 20, 40)])
    (0, 0, 20, 40)
    """
    return (
        min(r.x0 for r in regions),
        min(r.y0 for r in regions),
        max(r.x1 for r in regions),
        max(r.y1 for r in regions),
    )
