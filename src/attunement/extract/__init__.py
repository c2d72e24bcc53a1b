"""Video to per-person signals: motion energy, face landmarks, smile and affect, head pose.

Importing this package imports no video library: OpenCV, MediaPipe, PyAV and LiteRT
(the ``video`` extra) are loaded by the functions that need them. Everything runs
offline; the two models ship in ``models/`` with their licences and checksums.
"""

from .affect import EMOTIONS, affect_channels, valence
from .face import BLENDSHAPES, STANDINS, face_channels, head_pose_deg
from .motion import DEFAULT_THRESHOLD, NOISE_FILTERS, MotionEnergy, motion_energy, write_mea
from .pipeline import FEATURES, FrameFeatures, extract_video, parse_features
from .regions import LAYOUTS, Region, layout_regions, read_regions, resolve_regions
from .synthetic import write_synthetic_dyad
from .video import VideoInfo, frame_slots, iter_frames, probe_video

__all__ = [
    "BLENDSHAPES",
    "DEFAULT_THRESHOLD",
    "EMOTIONS",
    "FEATURES",
    "FrameFeatures",
    "LAYOUTS",
    "NOISE_FILTERS",
    "MotionEnergy",
    "Region",
    "STANDINS",
    "VideoInfo",
    "affect_channels",
    "extract_video",
    "face_channels",
    "frame_slots",
    "head_pose_deg",
    "iter_frames",
    "layout_regions",
    "motion_energy",
    "parse_features",
    "probe_video",
    "read_regions",
    "resolve_regions",
    "valence",
    "write_mea",
    "write_synthetic_dyad",
]
