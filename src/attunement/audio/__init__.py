"""Sound of a dyad: per-partner voice activity, F0 and intensity on the session clock.

Importing this package imports no audio library: soundfile, webrtcvad, parselmouth and
PyAV (the ``audio`` extra) are loaded by the functions that need them. Nothing is
downloaded: the WebRTC voice detector's model is compiled into its package.
"""

from .extract import SPLITS, VOICE_CHANNELS, extract_audio, voiced_fraction
from .features import VoiceFeatures, pitch_intensity, voice_activity, voice_features
from .read import AUDIO_SUFFIXES, AudioClip, is_audio_path, read_audio
from .separate import pitch_split_hz, split_by_pitch, voice_runs

__all__ = [
    "AUDIO_SUFFIXES",
    "SPLITS",
    "VOICE_CHANNELS",
    "AudioClip",
    "VoiceFeatures",
    "extract_audio",
    "is_audio_path",
    "pitch_intensity",
    "pitch_split_hz",
    "read_audio",
    "split_by_pitch",
    "voice_activity",
    "voice_features",
    "voice_runs",
    "voiced_fraction",
]
