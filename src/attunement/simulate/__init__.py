"""The generative model of a co-regulating dyad, with ground truth for every detector.

:func:`simulate_dyad` returns a :class:`SimulatedDyad`: a Session and the coupling,
episodes and latent states that produced it. Modules: :mod:`.styles` (caregiving
presets), :mod:`.events` (phases, ruptures, repairs), :mod:`.dynamics` (coupled
latent processes), :mod:`.observe` (channels), :mod:`.model` (the whole).
"""

from .model import SimulatedDyad, simulate_dyad
from .observe import CHANNELS, ChannelModel
from .styles import STYLES, DyadStyle

__all__ = ["CHANNELS", "STYLES", "ChannelModel", "DyadStyle", "SimulatedDyad", "simulate_dyad"]
