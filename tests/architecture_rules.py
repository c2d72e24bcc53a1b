"""The package's layout rules, read from the source with ``ast`` (no module is imported).

``tests/test_architecture.py`` applies them to ``src/attunement`` and to small fake trees
that break each rule once; ``docs/architecture.md`` states the same rules for readers.

A *package* is a first-level name under ``attunement``: a subpackage (``io``, ``stats``) or a
top-level module (``session``, ``preprocess``); the root ``attunement/__init__.py`` (the
public API) is the package ``api``. Every import counts, including those inside functions
and under ``TYPE_CHECKING``: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

MAX_LINES = 400

# The allowed import order, lowest first: a package may import packages of its own layer or
# below, never above. The data model (``session``) is at the bottom because every stage
# creates or consumes Sessions; the data still flows io -> Session -> preprocess -> ...
LAYERS: dict[str, tuple[str, ...]] = {
    "core": ("_check", "_log", "_jit", "_pairs", "vocabulary", "provenance", "session", "clock",
             "mne_data"),
    "inputs": ("io", "extract", "audio", "physio", "simulate"),
    "preprocess": ("preprocess",),
    "nulls": ("nulls",),
    "measures": ("lagcorr", "sync", "brain", "linkage"),
    "stats": ("stats",),
    "episodes": ("episodes",),
    "pipeline": ("config", "analysis"),
    "outputs": ("report", "cohort", "live"),
    "api": ("api",),
    "cli": ("cli",),
}
LAYER_OF = {pkg: rank for rank, pkgs in enumerate(LAYERS.values()) for pkg in pkgs}
FIGURES_PACKAGE = "report"
#: Readers live in io; the layers that compute on data already read never import it.
READER_PACKAGE = "io"
NO_READERS = ("measures", "stats", "episodes")
CLI_PACKAGE = "cli"


@dataclass(frozen=True)
class Import:
    """One imported name (or module) of one module."""

    source: str  # dotted module that imports
    module: str  # dotted module imported from
    name: str | None  # the name taken from it (None for ``import x``)
    line: int
    lazy: bool  # inside a function
    type_only: bool  # under ``if TYPE_CHECKING:``

    def where(self) -> str:
        """``module:line`` of the import, for messages."""
        return f"{self.source}:{self.line}"


def modules(root: Path, top: str = "attunement") -> dict[str, Path]:
    """Map each dotted module name under ``root`` (the folder of package ``top``) to its file."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = [top, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def package_of(module: str) -> str:
    """The first-level package of a dotted module name (``api`` for the root)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "api"


class _Visitor(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, known: set[str], top: str):
        self.module, self.known, self.top = module, known, top
        self.base = module if is_package else module.rpartition(".")[0]
        self.depth = 0
        self.type_only = 0
        self.found: list[Import] = []

    def _add(self, module: str, name: str | None, node: ast.AST) -> None:
        self.found.append(Import(self.module, module, name, node.lineno, self.depth > 0,
                                 self.type_only > 0))

    def visit_FunctionDef(self, node):  # noqa: N802 - ast API
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815

    def visit_If(self, node):  # noqa: N802
        test = ast.unparse(node.test)
        guarded = test in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        self.type_only += guarded
        for child in node.body:
            self.visit(child)
        self.type_only -= guarded
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node):  # noqa: N802
        for alias in node.names:
            self._add(alias.name, None, node)

    def visit_ImportFrom(self, node):  # noqa: N802
        if node.level:
            base = self.base.split(".")
            base = base[: len(base) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        for alias in node.names:
            sub = f"{target}.{alias.name}"
            if sub in self.known:  # ``from . import module``
                self._add(sub, None, node)
            else:
                self._add(target, alias.name, node)


def imports(root: Path, top: str = "attunement") -> list[Import]:
    """Every import statement of every module under ``root``, resolved to dotted names."""
    mods = modules(root, top)
    found = []
    for name, path in mods.items():
        visitor = _Visitor(name, path.name == "__init__.py", set(mods), top)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        found += visitor.found
    return found


def internal(imps: list[Import], top: str = "attunement") -> list[Import]:
    """The imports of the package's own modules."""
    return [i for i in imps if i.module == top or i.module.startswith(top + ".")]


def long_modules(root: Path, limit: int = MAX_LINES) -> dict[str, int]:
    """Modules over ``limit`` lines, with their line counts."""
    counts = {p: len(p.read_text(encoding="utf-8").splitlines()) for p in root.rglob("*.py")}
    return {str(p.relative_to(root)): n for p, n in sorted(counts.items()) if n > limit}


def package_graph(imps: list[Import]) -> dict[str, set[str]]:
    """Package -> the other packages it imports."""
    graph: dict[str, set[str]] = {}
    for imp in internal(imps):
        src, dst = package_of(imp.source), package_of(imp.module)
        graph.setdefault(src, set())
        if src != dst:
            graph[src].add(dst)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one package (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                item = stack.pop()
                group.append(item)
                if item == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def cycle_edges(imps: list[Import]) -> list[str]:
    """The imports that close each package cycle, as ``a -> b at module:line``."""
    groups = cycles(package_graph(imps))
    out = []
    for group in groups:
        for imp in internal(imps):
            src, dst = package_of(imp.source), package_of(imp.module)
            if src != dst and src in group and dst in group:
                out.append(f"{src} -> {dst} at {imp.where()}")
    return out


def unlisted_packages(imps: list[Import], root: Path, top: str = "attunement") -> set[str]:
    """Packages that the layer table does not name."""
    return {package_of(m) for m in modules(root, top)} - set(LAYER_OF)


def layer_violations(imps: list[Import]) -> list[str]:
    """Imports of a package from a higher layer."""
    out = []
    for imp in internal(imps):
        src, dst = package_of(imp.source), package_of(imp.module)
        if src in LAYER_OF and dst in LAYER_OF and LAYER_OF[dst] > LAYER_OF[src]:
            out.append(f"{src} imports {dst} (a higher layer) at {imp.where()}")
    return out


def reader_imports(imps: list[Import]) -> list[str]:
    """Imports of io (the readers) from the measures, stats and episodes layers."""
    banned = {pkg for layer in NO_READERS for pkg in LAYERS[layer]}
    return [f"{package_of(i.source)} imports {i.module} at {i.where()}"
            for i in internal(imps)
            if package_of(i.source) in banned and package_of(i.module) == READER_PACKAGE]


def _private_in_package(module: str) -> bool:
    """Whether the module is private to its first-level package (``io._files``)."""
    return any(part.startswith("_") for part in module.split(".")[2:])


def _private_name(name: str | None) -> bool:
    return bool(name) and name.startswith("_") and not name.startswith("__")


def private_imports(imps: list[Import]) -> list[str]:
    """Private names or modules taken from another package."""
    out = []
    for imp in internal(imps):
        if package_of(imp.source) == package_of(imp.module):
            continue
        if _private_in_package(imp.module) or _private_name(imp.name):
            what = f"{imp.module}.{imp.name}" if imp.name else imp.module
            out.append(f"{what} at {imp.where()}")
    return out


def matplotlib_imports(imps: list[Import]) -> list[str]:
    """matplotlib imported outside report/, or at module level (not lazily) inside it."""
    out = []
    for imp in imps:
        if imp.module.split(".")[0] != "matplotlib" or imp.type_only:
            continue
        if package_of(imp.source) != FIGURES_PACKAGE:
            out.append(f"matplotlib outside {FIGURES_PACKAGE}/ at {imp.where()}")
        elif not imp.lazy:
            out.append(f"matplotlib imported at module level at {imp.where()}")
    return out


def cli_private_imports(imps: list[Import]) -> list[str]:
    """Library imports of cli/ that are not public API (a private module or name)."""
    out = []
    for imp in internal(imps):
        if package_of(imp.source) != CLI_PACKAGE or package_of(imp.module) == CLI_PACKAGE:
            continue
        if any(p.startswith("_") for p in imp.module.split(".")[1:]) or _private_name(imp.name):
            out.append(f"{imp.module}.{imp.name} at {imp.where()}")
    return out


_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]+")
_MESSAGE_CALLS = {"warn", "warning", "info", "error", "debug", "exception"}


def _strings(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def cli_flags_in_messages(root: Path, top: str = "attunement") -> list[str]:
    """CLI flags (``--force``) named in the errors, warnings and log lines of library
    modules (outside cli/), and in what ``soft_import`` says a missing extra is for: the
    library names its parameters, the CLI its flags."""
    out = []
    for name, path in modules(root, top).items():
        if package_of(name) == CLI_PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                texts = _strings(node.exc)
            elif isinstance(node, ast.Call) and (
                    isinstance(node.func, ast.Attribute) and node.func.attr in _MESSAGE_CALLS
                    or isinstance(node.func, ast.Name) and node.func.id == "soft_import"):
                texts = _strings(node)
            else:
                continue
            for flag in sorted({f for t in texts for f in _FLAG.findall(t)}):
                out.append(f"{flag} at {name}:{node.lineno}")
    return out


def public_names(root: Path, top: str = "attunement") -> list[str]:
    """The root package's ``__all__``."""
    tree = ast.parse((root / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return list(ast.literal_eval(node.value))
    return []
