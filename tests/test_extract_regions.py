"""Regions of interest: layouts, region files, and the errors for bad ones (no video needed)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import attunement
from attunement._check import soft_import
from attunement.extract import LAYOUTS, Region, read_regions, resolve_regions
from attunement.extract.pipeline import parse_features

TOML = """
units = "fraction"
[partners.therapist]
head = [0.1, 0.0, 0.4, 0.4]
body = [0.0, 0.4, 0.5, 1.0]
[partners.client]
head = [0.6, 0.0, 0.9, 0.4]
body = [0.5, 0.4, 1.0, 1.0]
"""


def test_split_layouts_cover_the_frame_without_overlap():
    for name in LAYOUTS:
        a, b = resolve_regions(640, 480, layout=name)
        assert a.area + b.area == 640 * 480
        assert not a.overlaps(b)
    left, right = resolve_regions(641, 480, layout="split-lr", partners=("mum", "baby"))
    assert (left.partner, left.x0, left.x1) == ("mum", 0, 320)
    assert (right.partner, right.x0, right.x1) == ("baby", 320, 641)
    top, bottom = resolve_regions(640, 480, layout="split-bt")
    assert (top.y0, top.y1, bottom.y0, bottom.y1) == (240, 480, 0, 240)


def test_toml_and_json_region_files_give_the_same_pixel_boxes(tmp_path):
    toml_file = tmp_path / "regions.toml"
    toml_file.write_text(TOML)
    json_file = tmp_path / "regions.json"
    json_file.write_text(json.dumps(read_regions(toml_file)))
    a = resolve_regions(200, 100, regions=toml_file)
    b = resolve_regions(200, 100, regions=json_file)
    assert a == b
    assert [(r.partner, r.name) for r in a] == [
        ("therapist", "head"), ("therapist", "body"), ("client", "head"), ("client", "body")]
    # 0.1 * 200 = 20, 0.4 * 100 = 40: fractions scale by width and height
    assert (a[0].x0, a[0].y0, a[0].x1, a[0].y1) == (20, 0, 80, 40)


def test_pixel_boxes_and_region_objects_pass_through():
    spec = {"units": "pixel", "partners": {"a": {"head": [0, 0, 10, 10]},
                                           "b": {"head": [10, 0, 20, 10]}}}
    regions = resolve_regions(20, 10, regions=spec)
    assert regions == [Region("a", "head", 0, 0, 10, 10), Region("b", "head", 10, 0, 20, 10)]
    assert resolve_regions(20, 10, regions=regions) == regions


@pytest.mark.parametrize(
    "spec, match",
    [
        ({"units": "pixel", "partners": {"a": {"head": [0, 0, 50, 10]},
                                         "b": {"head": [50, 0, 120, 10]}}},
         r"partners\.b\.head: box \[50, 0, 120, 10\] \(pixels\) lies outside the 100x50 frame"),
        ({"units": "fraction", "partners": {"a": {"head": [0, 0, 1.5, 1]},
                                            "b": {"head": [0, 0, 1, 1]}}},
         r"partners\.a\.head: fractions of the frame must lie in \[0, 1\]"),
        ({"units": "pixel", "partners": {"a": {"head": [0, 0, 60, 10]},
                                         "b": {"head": [50, 0, 100, 10]}}},
         r"a\.head \[0, 0, 60, 10\] overlaps b\.head \[50, 0, 100, 10\]"),
        ({"units": "pixel", "partners": {"a": {"head": [0, 0, 10, 10]}}},
         r"expected exactly two distinct partners, got \['a'\]"),
        ({"units": "inch", "partners": {}},
         r"'units' must be one of \['pixel', 'fraction'\], got 'inch'"),
        ({"units": "pixel", "partners": {"a": {"head": [0, 0, 10]},
                                         "b": {"head": [10, 0, 20, 10]}}},
         r"partners\.a\.head: expected a box \[x0, y0, x1, y1\] of 4 numbers"),
        ({"units": "pixel", "partners": {"a": {"head": [10, 0, 10, 10]},
                                         "b": {"head": [20, 0, 30, 10]}}},
         r"partners\.a\.head: box \[10, 0, 10, 10\] \(pixels\) is empty"),
    ],
)
def test_bad_region_specs_name_the_region_and_what_was_expected(spec, match):
    with pytest.raises(ValueError, match=match):
        resolve_regions(100, 50, regions=spec)


def test_layout_and_regions_errors():
    with pytest.raises(ValueError, match=r"'layout' parameter\. Allowed values are 'split-lr'.*"
                                         r"but got 'quad'"):
        resolve_regions(640, 480, layout="quad")
    with pytest.raises(ValueError, match="Give exactly one of 'layout'"):
        resolve_regions(640, 480)
    with pytest.raises(ValueError, match="Give exactly one of 'layout'"):
        resolve_regions(640, 480, layout="split-lr", regions={"partners": {}})
    with pytest.raises(ValueError, match=r"two distinct partners, got \['a', 'a'\]"):
        resolve_regions(640, 480, layout="split-lr", partners=("a", "a"))


def test_region_file_errors(tmp_path):
    with pytest.raises(ValueError, match=r"nope\.toml: no such regions file"):
        read_regions(tmp_path / "nope.toml")
    bad = tmp_path / "regions.yaml"
    bad.write_text("units: pixel")
    with pytest.raises(ValueError, match=r"must end in \.toml or \.json, got '\.yaml'"):
        read_regions(bad)
    broken = tmp_path / "regions.toml"
    broken.write_text("units = [")
    with pytest.raises(ValueError, match=r"regions\.toml: not valid TOML"):
        read_regions(broken)


def test_features_are_checked_and_affect_brings_face():
    assert parse_features("affect") == ["face", "affect"]
    assert parse_features(["face", "motion"]) == ["motion", "face"]
    with pytest.raises(ValueError, match=r"unknown feature\(s\) \['pose'\]"):
        parse_features("motion,pose")
    with pytest.raises(ValueError, match=r"unknown feature\(s\) \[\]"):
        parse_features("")


def test_importing_attunement_loads_no_video_library():
    code = ("import sys, attunement; "
            "print(sorted(m for m in ('cv2', 'mediapipe', 'av', 'ai_edge_litert') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
    assert attunement.extract_video.__module__ == "attunement.extract.pipeline"


def test_a_missing_video_library_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)  # import cv2 now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'attunement\[video\]'"):
        soft_import("cv2", "Reading video")
