"""Shared fixtures.

``shared_dir`` points at the project's ``../shared`` folder (real recordings and peer-tool
reference outputs that may not be redistributed). Tests that need it skip when it is absent,
as it is for users who clone the project.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from voices import mix, talk, talk_session  # noqa: F401 (the audio tests' spoken fixtures)

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
SHARED = Path(os.environ.get("ATTUNEMENT_SHARED", REPO.parent / "shared"))
# the scripts that made the peer references import the peers, which are not dependencies
collect_ignore_glob = ["reference/*.py"]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The project's own small test files (tests/data)."""
    return DATA


def shared_missing_reason(item) -> str:
    """The skip reason, with what the test would check: its docstring, else its name."""
    doc = " ".join((getattr(getattr(item, "function", None), "__doc__", None) or "").split())
    return ("../shared is not available (real data that is not redistributed); "
            f"would check: {doc or item.name}")


def pytest_collection_modifyitems(config, items):
    """Without ../shared, mark the tests that need it as skipped, saying what each checks."""
    if (SHARED / "data").is_dir():
        return
    for item in items:
        if "shared_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=shared_missing_reason(item)))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared; tests that request it are skipped at collection without it."""
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared is not available (real data that is not redistributed)")
    return SHARED
