"""Surrogate statistics: is synchrony more than chance gives?

Generators of surrogate pairs, each with the null hypothesis it encodes
(:data:`~attunement.stats.surrogates.NULLS`); :func:`surrogate_test` for a session-level
measure; real dyads against pseudo-dyads (:func:`compare_real_pseudo`); linear mixed
models in lme4's notation with lmerTest's tests (:func:`lmer`).
"""

from .engine import FAST_PATHS, NullDraw, register_fast_path, surrogate_test
from .groups import GroupComparison, cohens_d, compare_real_pseudo, pseudo_dyad_labels
from .mixed import MixedModel, lmer
from .surrogates import (
    NULLS,
    circular_shift,
    data_shuffle,
    default_segment_s,
    draw_pseudo_dyads,
    iaaft,
    make_surrogates,
    pseudo_dyad_pairs,
    segment_shuffle,
)
from .testing import SurrogateTest, effect_size, fdr_bh, permutation_p

__all__ = [
    "FAST_PATHS",
    "NULLS",
    "NullDraw",
    "GroupComparison",
    "MixedModel",
    "SurrogateTest",
    "circular_shift",
    "cohens_d",
    "compare_real_pseudo",
    "data_shuffle",
    "default_segment_s",
    "draw_pseudo_dyads",
    "effect_size",
    "fdr_bh",
    "iaaft",
    "lmer",
    "make_surrogates",
    "permutation_p",
    "pseudo_dyad_labels",
    "pseudo_dyad_pairs",
    "register_fast_path",
    "segment_shuffle",
    "surrogate_test",
]
