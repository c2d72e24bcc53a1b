"""lme4 formulas, checked before any library sees them: the response, the fixed part
and the random terms (``(1 | dyad)``, ``(1 + time || dyad)``).

Only column names, the operators ``+ * : - ~ |`` and ``0``/``1`` are accepted, so no
formula can run code. :mod:`attunement.stats.mixed` fits the parsed model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_.]*)|([01])|(\|\||[-+*:()|~]))")
_RANDOM = re.compile(r"\(([^()]*?)(\|\|?)([^()]*)\)")


@dataclass(frozen=True)
class RandomTerm:
    """``(expr | group)``: random effects of ``expr``'s columns per level of ``group``."""

    expr: str
    group: str
    correlated: bool = True

    def __str__(self) -> str:
        return f"({self.expr} {'|' if self.correlated else '||'} {self.group})"


def _tokens(text: str, model: str) -> list[str]:
    """``text`` split into names, 0/1 and operators; anything else is an error."""
    out, pos = [], 0
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            bad = text[pos:].strip().split()[0]
            raise ValueError(
                f"model {model!r}: the formula has {bad!r} where a column name, 0, 1 or one "
                "of + * : - | ( ) was expected."
            )
        out.append(m.group(m.lastindex))
        pos = m.end()
    for a, b in zip(out, out[1:]):
        if _NAME.fullmatch(a) and b == "(":
            raise ValueError(f"model {model!r}: the formula calls {a!r}(...); functions are "
                             "not accepted, only column names.")
    return out


def parse_formula(formula: str, model: str = "model") -> tuple[str, str, list[RandomTerm]]:
    """``(response, fixed part, random terms)`` of an lme4 formula, validated.

    Random terms are ``(1 | g)``, ``(1 + x | g)``, ``(0 + x | g)`` and ``(x || g)``
    (uncorrelated: one term per column), ``g`` a column name; several are summed
    (crossed or nested factors: ``(1 | dyad) + (1 | therapist)``).

    Examples
    --------
    >>> parse_formula("y ~ condition * cq + (1 | dyad)")
    ('y', 'condition * cq', [RandomTerm(expr='1', group='dyad', correlated=True)])
    >>> parse_formula("y ~ x + (1 | dyad) + (1 | rater)")[2][1].group
    'rater'
    >>> parse_formula("y ~ x + (1 | dyad/session)", "m1")
    Traceback (most recent call last):
    ...
    ValueError: model 'm1': the random term '(1 | dyad/session)' ... got 'dyad/session'.
    """
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise ValueError(f"model {model!r}: the formula must read 'response ~ terms', got "
                         f"{formula!r}.")
    lhs, rhs = (s.strip() for s in formula.split("~"))
    if not _NAME.fullmatch(lhs):
        raise ValueError(f"model {model!r}: the response {lhs!r} must be one column name.")
    random = []
    for m in _RANDOM.finditer(rhs):
        expr, bar, group = (s.strip() for s in m.groups())
        text = m.group(0)
        if not _NAME.fullmatch(group):
            raise ValueError(f"model {model!r}: the random term {text!r} needs one grouping "
                             f"column after '{bar}', got {group!r}.")
        tokens = _tokens(expr, model)
        if not tokens or any(t not in "+01" and not _NAME.fullmatch(t) for t in tokens):
            raise ValueError(f"model {model!r}: the random term {text!r} takes 1, 0 and column "
                             f"names joined by '+' before '{bar}', got {expr!r}.")
        random.append(RandomTerm(" ".join(tokens), group, bar == "|"))
    fixed = _RANDOM.sub(" ", rhs)
    tokens = _tokens(fixed, model)
    if "|" in tokens or "||" in tokens:
        raise ValueError(f"model {model!r}: a '|' outside a random term in parentheses: "
                         f"{rhs!r}.")
    fixed = re.sub(r"^\s*\+|\+\s*(?=\+|$)", "", " ".join(tokens)).strip(" +")
    fixed = re.sub(r"\+\s*\+", "+", fixed).strip(" +")
    if not random:
        raise ValueError(f"model {model!r}: no random term such as '(1 | dyad)' in {formula!r}; "
                         "a mixed model needs one.")
    return lhs, fixed or "1", random


def formula_columns(formula: str, model: str = "model") -> list[str]:
    """Every column name a formula uses, in order of first use."""
    lhs, fixed, random = parse_formula(formula, model)
    names = [lhs] + [t for t in _tokens(fixed, model) if _NAME.fullmatch(t)]
    for term in random:
        names += [t for t in _tokens(term.expr, model) if _NAME.fullmatch(t)] + [term.group]
    return list(dict.fromkeys(names))


def _quoted(text: str, wrap=None) -> str:
    """A validated formula part for formulaic, every name quoted (``wrap`` may recode it)."""
    return " ".join((wrap(t) if wrap else f"`{t}`") if _NAME.fullmatch(t) else t
                    for t in _tokens(text, "model"))


def _fixed_names(fixed: str) -> list[str]:
    return list(dict.fromkeys(t for t in _tokens(fixed, "model") if _NAME.fullmatch(t)))
