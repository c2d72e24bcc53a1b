"""Live attunement: two partners' LSL streams in; synchrony, state and events out.

Modules, one job each: :mod:`.lsl` (streams in and the replay out, the stream mapping),
:mod:`.rolling` (windowed lagged cross-correlation from running sums, equal to
:func:`attunement.wcc`), :mod:`.score` (the episode detector's synchrony score, causally),
:mod:`.state` (the detector's HMM as a forward filter; rupture and repair events),
:mod:`.engine` (the loop), :mod:`.outputs` (recording, LSL markers, OSC),
:mod:`.dashboard` (the page on 127.0.0.1) and :mod:`.run` (one session end to end; what
``attune live`` calls). LSL and OSC need the ``live`` extra; they are imported on use.
"""

from .rolling import RollingWCC
from .score import OnlineScore
from .state import ForwardState, StateUpdate

__all__ = ["ForwardState", "OnlineScore", "RollingWCC", "StateUpdate"]
