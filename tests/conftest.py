"""Shared fixtures.

``shared_dir`` points at the project's ``../shared`` folder (real recordings and peer-tool
reference outputs that may not be redistributed). Tests that need it skip when it is absent,
as it is for users who clone the project.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
SHARED = Path(os.environ.get("ATTUNEMENT_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The project's own small test files (tests/data)."""
    return DATA


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared, or skip the test when it is not there."""
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared is not available (real data that is not redistributed)")
    return SHARED
