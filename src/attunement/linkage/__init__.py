"""Physiological linkage between two partners' heart rate: a family of measures on the
processed signals of :mod:`attunement.physio` (interval correlation, slope concordance,
actor-partner regression, WCC-based coupling and its episodes), and all of them as one
table (:func:`physio_linkage`)."""

from .coupling import EpisodeCoupling, coupling_by_episode, hr_coupling, synchrony_episodes
from .measures import (
    ActorPartnerResult,
    LinkageResult,
    actor_partner,
    interval_correlation,
    interval_means,
    partner_effect_test,
    slope_concordance,
)
from .summary import linkage_summary, physio_linkage

__all__ = [
    "ActorPartnerResult",
    "EpisodeCoupling",
    "LinkageResult",
    "actor_partner",
    "coupling_by_episode",
    "hr_coupling",
    "interval_correlation",
    "interval_means",
    "linkage_summary",
    "partner_effect_test",
    "physio_linkage",
    "slope_concordance",
    "synchrony_episodes",
]
