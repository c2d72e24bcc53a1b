"""Reading sound: WAV/FLAC/OGG files (libsndfile) or the audio track of a video (PyAV).

A recording comes back as an :class:`AudioClip`: samples as ``(n_channels, n_samples)``
floats in [-1, 1], the sampling rate in Hz, and where it came from. Nothing is mixed
down or resampled here; the extractor decides what to do with each channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._check import soft_import

#: File suffixes read by libsndfile (soundfile); any other suffix is opened as a video.
SOUND_SUFFIXES = (".wav", ".flac", ".ogg", ".aif", ".aiff")
#: Containers whose audio track PyAV reads.
VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4a", ".mp3")
AUDIO_SUFFIXES = SOUND_SUFFIXES + VIDEO_SUFFIXES


@dataclass(frozen=True)
class AudioClip:
    """Samples of one recording: ``samples`` is ``(n_channels, n_samples)`` in [-1, 1]."""

    samples: np.ndarray
    sampling_rate: float
    source: str

    @property
    def n_channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration_s(self) -> float:
        return self.samples.shape[1] / self.sampling_rate


def is_audio_path(path: str | Path) -> bool:
    """Whether a file name says sound (``.wav``, ``.flac``, ...), by its suffix.

    Examples
    --------
    >>> is_audio_path("session.WAV"), is_audio_path("session.csv")
    (True, False)
    """
    return Path(path).suffix.lower() in SOUND_SUFFIXES


def read_audio(path: str | Path) -> AudioClip:
    """Read a sound file, or the first audio track of a video, as float samples.

    Parameters
    ----------
    path : str or Path
        ``.wav``, ``.flac``, ``.ogg``, ``.aif(f)`` (soundfile), or a video/audio container
        (``.mp4``, ``.mov``, ``.mkv``, ``.avi``, ``.webm``, ``.m4a``, ``.mp3``; PyAV).

    Examples
    --------
    >>> import soundfile, tempfile
    >>> path = Path(tempfile.mkdtemp()) / "silence.wav"
    >>> soundfile.write(path, np.zeros((800, 2)), 8000)
    >>> clip = read_audio(path)
    >>> clip.n_channels, clip.sampling_rate, clip.duration_s
    (2, 8000.0, 0.1)
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such audio file.")
    if path.is_dir():
        raise ValueError(f"{path}: is a folder; expected an audio file.")
    if path.stat().st_size == 0:
        raise ValueError(f"{path}: the audio file is empty (0 bytes).")
    suffix = path.suffix.lower()
    if suffix in SOUND_SUFFIXES:
        samples, rate = _read_sound(path)
    elif suffix in VIDEO_SUFFIXES:
        samples, rate = _read_track(path)
    else:
        raise ValueError(
            f"{path}: unknown audio format {suffix!r}; expected one of {list(AUDIO_SUFFIXES)}."
        )
    if samples.shape[1] == 0:
        raise ValueError(f"{path}: the audio holds no samples.")
    if not np.isfinite(samples).all():
        raise ValueError(f"{path}: the audio holds non-finite samples.")
    return AudioClip(samples, float(rate), str(path))


def _read_sound(path: Path) -> tuple[np.ndarray, float]:
    soundfile = soft_import("soundfile", "Reading audio files")
    try:
        data, rate = soundfile.read(str(path), dtype="float64", always_2d=True)
    except RuntimeError as err:  # libsndfile's LibsndfileError subclasses RuntimeError
        raise ValueError(f"{path}: not a readable sound file ({err}).") from None
    return np.ascontiguousarray(data.T), rate


def _read_track(path: Path) -> tuple[np.ndarray, float]:
    av = soft_import("av", "Reading the audio track of a video")
    try:
        container = av.open(str(path))
    except av.FFmpegError as err:
        raise ValueError(f"{path}: not a readable media file ({err}).") from None
    with container:
        streams = container.streams.audio
        if not streams:
            raise ValueError(f"{path}: the file has no audio track.")
        stream = streams[0]
        rate = stream.rate
        chunks = []
        for frame in container.decode(stream):
            chunks.append(_planar(frame.to_ndarray(), frame.format, len(frame.layout.channels)))
    if not chunks:
        raise ValueError(f"{path}: the audio track holds no samples.")
    return np.concatenate(chunks, axis=1), float(rate)


def _planar(array: np.ndarray, fmt, n_channels: int) -> np.ndarray:
    """A decoded frame as ``(n_channels, n)`` floats in [-1, 1], whatever its layout."""
    if not fmt.is_planar:  # interleaved: one row of n * channels values
        array = array.reshape(-1, n_channels).T
    if np.issubdtype(array.dtype, np.integer):
        return array.astype(float) / float(np.iinfo(array.dtype).max)
    return array.astype(float)
