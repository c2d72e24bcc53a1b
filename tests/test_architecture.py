"""The layout rules of issue 18 (deliverable 4), checked on the source with ``ast``.

Each rule is checked twice: on ``src/attunement`` (the real tree) and on a tiny fake tree
written to ``tmp_path`` that breaks it once, so that every check is shown able to fail.
The rules and the layer table live in ``tests/architecture_rules.py``; ``docs/architecture.md``
states them for readers, and a test here checks that it names every package.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import architecture_rules as rules
import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "attunement"
DOC = REPO / "docs" / "architecture.md"


@pytest.fixture(scope="module")
def real():
    return rules.imports(SRC)


def fake_tree(tmp_path: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (path under the package -> source) as a fake ``attunement`` package."""
    root = tmp_path / "attunement"
    for rel, text in {"__init__.py": "", **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


# (a) no module over 400 lines
def test_no_module_over_limit():
    assert rules.long_modules(SRC) == {}


def test_long_module_is_found(tmp_path):
    root = fake_tree(tmp_path, {"io/big.py": "x = 1\n" * 401, "io/ok.py": "x = 1\n" * 400})
    assert rules.long_modules(root) == {"io/big.py": 401}


# (b) no cycle between packages
def test_no_package_cycle(real):
    assert rules.cycle_edges(real) == []


def test_cycle_is_found(tmp_path):
    root = fake_tree(tmp_path, {
        "stats/__init__.py": "from ..sync import x\n",
        "sync/__init__.py": "def f():\n    from ..physio import y\n",  # lazy counts too
        "physio/__init__.py": "from attunement.stats import z\n",
        "io/__init__.py": "from ..session import Session\n",
        "session.py": "",
    })
    imps = rules.imports(root)
    assert rules.cycles(rules.package_graph(imps)) == [["physio", "stats", "sync"]]
    assert any("sync -> physio" in e for e in rules.cycle_edges(imps))


# (c) the layer order
def test_every_package_has_a_layer(real):
    assert rules.unlisted_packages(real, SRC) == set()


def test_layer_order(real):
    assert rules.layer_violations(real) == []


def test_layer_violation_is_found(tmp_path):
    root = fake_tree(tmp_path, {
        "io/__init__.py": "from ..preprocess import smooth\n",  # a reader using preprocess
        "preprocess.py": "from .session import Session\n",  # allowed: downward
        "session.py": "",
        "newpkg/__init__.py": "",
    })
    imps = rules.imports(root)
    found = rules.layer_violations(imps)
    assert len(found) == 1 and "io imports preprocess" in found[0]
    assert rules.unlisted_packages(imps, root) == {"newpkg"}


def test_computing_layers_import_no_reader(real):
    assert rules.reader_imports(real) == []


def test_reader_import_is_found(tmp_path):
    root = fake_tree(tmp_path, {
        "brain/eeg.py": "from ..io.mne_io import mne_arrays\n",
        "analysis.py": "from .io import read\n",  # the pipeline may read
        "io/__init__.py": "",
        "io/mne_io.py": "",
    })
    found = rules.reader_imports(rules.imports(root))
    assert found == ["brain imports attunement.io.mne_io at attunement.brain.eeg:1"]


# (d) no private name or module used across packages
def test_no_private_cross_package_import(real):
    assert rules.private_imports(real) == []


def test_private_import_is_found(tmp_path):
    root = fake_tree(tmp_path, {
        "io/tables.py": "from ..session import _META_KEY, Session\n",
        "io/phases.py": "from ._time import _ONSET\n",  # within a package: fine
        "io/_time.py": "_ONSET = 'onset'\n",
        "sync/x.py": "from ..lagcorr._core import lagged_r\nfrom .._check import check\n",
        "lagcorr/_core.py": "def lagged_r(): ...\n",
        "session.py": "",
        "_check.py": "",
    })
    found = rules.private_imports(rules.imports(root))
    assert sorted(f.split(" at ")[0] for f in found) == [
        "attunement.lagcorr._core.lagged_r", "attunement.session._META_KEY"]


# (e) matplotlib only under report/, lazily
def test_matplotlib_only_in_report(real):
    assert rules.matplotlib_imports(real) == []


def test_matplotlib_misuse_is_found(tmp_path):
    root = fake_tree(tmp_path, {
        "cli/brain.py": "def f():\n    import matplotlib.pyplot as plt\n",
        "report/a.py": "import matplotlib\n",
        "report/b.py": "def f():\n    from matplotlib import pyplot\n",  # fine
        "report/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                       "    from matplotlib.axes import Axes\n",  # fine
    })
    found = rules.matplotlib_imports(rules.imports(root))
    assert len(found) == 2
    assert "outside report/ at attunement.cli.brain:2" in found[0] + found[1]
    assert "module level at attunement.report.a:1" in found[0] + found[1]


# (f) cli imports only the public API
def test_cli_imports_public_api_only(real):
    assert rules.cli_private_imports(real) == []


def test_cli_private_import_is_found(tmp_path):
    root = fake_tree(tmp_path, {
        "cli/sync.py": "from .._check import check_option\nfrom ._term import fail\n"
                       "from ..io import read\n",
        "cli/_term.py": "",
        "io/__init__.py": "",
        "_check.py": "",
    })
    found = rules.cli_private_imports(rules.imports(root))
    assert found == ["attunement._check.check_option at attunement.cli.sync:1"]


# (g) the library does not know the CLI: no flag in its messages
def test_library_messages_name_no_cli_flag():
    assert rules.cli_flags_in_messages(SRC) == []


def test_cli_flag_in_message_is_found(tmp_path):
    root = fake_tree(tmp_path, {
        "io/writers.py": "def f(out):\n    raise ValueError(f'{out}: use --force to overwrite.')\n",
        "io/ok.py": "def f():\n    raise ValueError(\"Invalid value for 'force'.\")\n",
        "live/lsl.py": "import logging\nlogging.getLogger().warning('mapped with --map')\n",
        "cli/x.py": "def f():\n    raise ValueError('--force')\n",  # the CLI may
        "live/video.py": "def f():\n    soft_import('cv2', 'attune live --video')\n",
    })
    assert rules.cli_flags_in_messages(root) == [
        "--force at attunement.io.writers:2", "--map at attunement.live.lsl:2",
        "--video at attunement.live.video:2"]


# docs/architecture.md names every package and the layer table
def test_architecture_doc_names_every_package():
    text = DOC.read_text(encoding="utf-8")
    missing = [pkg for pkg in rules.LAYER_OF if pkg != "api" and f"`{pkg}" not in text]
    assert missing == []
    for layer in rules.LAYERS:
        assert f"| {layer} " in text, f"layer {layer!r} missing from the table in {DOC.name}"


def test_readme_points_to_architecture():
    assert "docs/architecture.md" in (REPO / "README.md").read_text(encoding="utf-8")
