"""``extract_audio``: sound of a dyad to a Session of per-partner voice, F0 and intensity.

Where each partner's voice comes from (``split``):

- ``channels``: one file of two channels, a lapel microphone each (partner 1 = channel 1);
- ``files``: two files, one per partner, starting at the same moment;
- ``pitch``: one microphone, both voices, told apart by pitch (adult and infant only; see
  :mod:`attunement.audio.separate`), with a confidence per segment.

``auto`` picks ``channels`` for one two-channel file and ``files`` for two files; one
mono file must ask for ``pitch`` by name, as the split is an assumption about the voices.
The Session's channels per partner are ``voice`` (1 voice, 0 none), ``f0_hz`` (NaN when
not voiced) and ``intensity_db`` (of the partner's own microphone throughout; for a pitch
split only where the partner voices, as one microphone hears both), plus
``voice_confidence`` for a pitch split; its
``meta["audio"]`` says how they were made, and ``meta["audio"]["segments"]`` lists the
pitch split's segments.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._check import check_option, check_positive
from ..session import Session
from .features import DEFAULT_F0_RANGE_HZ, VAD_FRAMES_S, VoiceFeatures, voice_features
from .read import AudioClip, read_audio
from .separate import split_by_pitch

logger = logging.getLogger("attunement")
#: Step lines (each sound) go here, at INFO.
steps = logger.getChild("progress")

SPLITS = ("auto", "channels", "files", "pitch")
#: Voice channels of a Session made from audio.
VOICE_CHANNELS = ("voice", "f0_hz", "intensity_db")
DEFAULT_PARTNERS = ("partner_1", "partner_2")
#: Pitch range of a pitch split: adult speech and infant vocalisations (to 1000 Hz).
PITCH_SPLIT_F0_RANGE_HZ = (75.0, 1000.0)


def extract_audio(
    paths: str | Path | Sequence[str | Path],
    split: str = "auto",
    partners: Sequence[str] | None = None,
    sampling_rate: float = 100.0,
    aggressiveness: int = 2,
    f0_range_hz: tuple[float, float] | None = None,
    split_hz: float | None = None,
    crosstalk_db: float | None = None,
    id: str | None = None,
) -> Session:
    """Per-partner voice activity, F0 and intensity from a dyad's sound, as a Session.

    Parameters
    ----------
    paths : path or two paths
        A two-channel file, two single-voice files, or one microphone (``split="pitch"``).
        WAV/FLAC/OGG, or the audio track of a video.
    split : str
        ``auto``, ``channels``, ``files`` or ``pitch`` (see the module text).
    partners : pair of str, optional
        Role names; for a pitch split, the lower voice first (e.g. caregiver, infant).
    sampling_rate : float
        Frames per second of the output: 100, 50 or 33.33 (10, 20 or 30 ms frames, the
        frame lengths of the WebRTC voice detector).
    aggressiveness : int
        WebRTC detector mode, 0-3.
    f0_range_hz : (floor, ceiling), optional
        Praat's pitch range; default (75, 600) Hz (Praat's for speech), (75, 1000) Hz for a
        pitch split (infants).
    split_hz : float, optional
        Pitch split in Hz; default estimated from the segments (Otsu on log F0).
    crosstalk_db : float or None
        Two microphones: where both detect voice but one is louder by more than this, the
        quieter one hears the other partner (crosstalk) and its voice is removed (counted
        in ``meta["audio"]["crosstalk_frames"]``). Default None: every detection kept.
        The rule is crude: at the edges of a real overlap one voice is fading, so it
        removes those frames too (planted 0.27 s overlap, clean channels: 15 of 27 frames
        differ by more than 15 dB); with the other voice leaking 20 dB down into each
        microphone, 15 dB took the frames heard on both from 411 to 12.

    Examples
    --------
    >>> import soundfile, tempfile
    >>> rate = 16000
    >>> t = np.arange(2 * rate) / rate
    >>> low = 0.1 * np.sin(2 * np.pi * 120 * t) * (t < 0.8)
    >>> high = 0.1 * np.sin(2 * np.pi * 240 * t) * (t > 1.2)
    >>> path = Path(tempfile.mkdtemp()) / "dyad.wav"
    >>> soundfile.write(path, np.column_stack([low, high]), rate)
    >>> s = extract_audio(path, partners=("caregiver", "infant"))
    >>> s.channels, s.meta["audio"]["split"]
    (['voice', 'f0_hz', 'intensity_db'], 'channels')
    >>> round(float(np.nanmedian(s.pair("f0_hz")[1])))
    240
    """
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    check_option(split, "split", SPLITS)
    rate = check_positive(sampling_rate, "sampling_rate")
    frame_s = round(1.0 / rate, 3)
    if frame_s not in VAD_FRAMES_S or abs(frame_s * rate - 1) > 0.01:
        raise ValueError(f"Invalid value for 'sampling_rate': expected 100, 50 or 33.33 Hz "
                         f"(frames of 10, 20 or 30 ms), got {sampling_rate!r}.")
    clips = [read_audio(p) for p in items]
    mode = _mode(clips, split)
    names = _partners(partners)
    steps.info("%s: voice activity, F0 and intensity (split %s)",
               ", ".join(Path(str(c.source)).name for c in clips), mode)
    if f0_range_hz is None:
        f0_range_hz = PITCH_SPLIT_F0_RANGE_HZ if mode == "pitch" else DEFAULT_F0_RANGE_HZ
    options = {"frame_s": frame_s, "aggressiveness": aggressiveness, "f0_range_hz": f0_range_hz}
    audio = {"split": mode, "sources": [c.source for c in clips], "frame_s": frame_s,
             "voice_activity": f"webrtcvad, aggressiveness {aggressiveness}",
             "f0": f"Praat autocorrelation, {f0_range_hz[0]:g}-{f0_range_hz[1]:g} Hz",
             "intensity": "Praat intensity, dB re 2e-5"}
    if mode == "pitch":
        feats = voice_features(clips[0].samples[0], clips[0].sampling_rate, **options)
        per, segments, split_used = split_by_pitch(feats, names, split_hz)
        columns = {}
        for p in names:
            voice, f0, confidence = per[p]
            columns.update({(p, "voice"): voice, (p, "f0_hz"): f0,
                            (p, "intensity_db"): np.where(voice == 1, feats.intensity_db,
                                                          np.nan),
                            (p, "voice_confidence"): confidence})
        audio.update({"split_hz": split_used, "segments": segments.to_dict("records"),
                      "n_unassigned_segments": int((segments["partner"] == "unassigned").sum())})
    else:
        feats = [voice_features(s, c.sampling_rate, **options) for c, s in _voices(clips, mode)]
        feats, padded = _same_length(feats)
        audio["frames_padded"] = padded
        feats, removed = _without_crosstalk(feats, crosstalk_db)
        audio["crosstalk_db"] = crosstalk_db
        audio["crosstalk_frames"] = dict(zip(names, removed))
        columns = {}
        for p, f in zip(names, feats):
            columns.update({(p, "voice"): f.voice, (p, "f0_hz"): f.f0_hz,
                            (p, "intensity_db"): f.intensity_db})
    signals = pd.DataFrame(columns)
    signals.columns = pd.MultiIndex.from_tuples(signals.columns)
    signals.index = np.arange(len(signals)) * frame_s
    sid = id if id is not None else Path(clips[0].source).stem
    logger.info("%s: %d frames of %g s from %s (%s)", sid, len(signals), frame_s,
                audio["sources"], mode)
    return Session(signals, 1.0 / frame_s, partners=names, id=sid, meta={"audio": audio})


def voiced_fraction(session: Session) -> dict[str, float]:
    """Per partner, the fraction of samples with voice (the mean of the ``voice`` channel,
    missing samples left out).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> cols = pd.MultiIndex.from_product([["a", "b"], ["voice"]])
    >>> s = Session(pd.DataFrame([[1, 0], [0, 0], [1, np.nan], [0, 1]], columns=cols), 100)
    >>> voiced_fraction(s)
    {'a': 0.5, 'b': 0.333...}
    """
    if "voice" not in session.signals.columns.get_level_values(1):
        raise ValueError(f"session {session.id!r}: expected a 'voice' channel per partner "
                         f"(from extract_audio), got {list(session.channels)}.")
    voice = session.signals.xs("voice", axis=1, level=1)
    return {p: float(voice[p].mean()) for p in session.partners}


def _mode(clips: list[AudioClip], split: str) -> str:
    shapes = [c.n_channels for c in clips]
    if len(clips) == 2:
        if split not in ("auto", "files"):
            raise ValueError(f"Invalid value for 'split': two files give one voice each "
                             f"('files'), got {split!r}.")
        for c in clips:
            if c.n_channels != 1:
                raise ValueError(f"{c.source}: expected one channel (one partner's voice), "
                                 f"got {c.n_channels}.")
        if clips[0].sampling_rate != clips[1].sampling_rate:
            logger.info("the two files have sampling rates %g and %g Hz",
                        clips[0].sampling_rate, clips[1].sampling_rate)
        return "files"
    if len(clips) != 1:
        raise ValueError(f"Invalid value for 'paths': expected one or two audio files, got "
                         f"{len(clips)}.")
    clip = clips[0]
    if split == "pitch":
        if clip.n_channels != 1:
            raise ValueError(f"{clip.source}: a pitch split reads one microphone; got "
                             f"{clip.n_channels} channels.")
        return "pitch"
    if split == "files":
        raise ValueError("Invalid value for 'split': 'files' needs two files, got one.")
    if shapes[0] == 2:
        return "channels"
    if shapes[0] == 1:
        raise ValueError(
            f"{clip.source}: one channel holds both voices; pass split='pitch' "
            "to tell them apart by pitch (an adult and an infant only), or give two files."
        )
    raise ValueError(f"{clip.source}: expected 1 or 2 channels, got {shapes[0]}.")


def _voices(clips: list[AudioClip], mode: str):
    if mode == "channels":
        return [(clips[0], clips[0].samples[0]), (clips[0], clips[0].samples[1])]
    return [(c, c.samples[0]) for c in clips]


def _partners(partners) -> tuple[str, str]:
    names = tuple(DEFAULT_PARTNERS if partners is None else partners)
    if len(names) != 2 or len(set(names)) != 2 or not all(str(n).strip() for n in names):
        raise ValueError(f"Invalid value for 'partners': expected two different names, got "
                         f"{partners!r}.")
    return tuple(str(n) for n in names)


def _without_crosstalk(feats: list[VoiceFeatures], crosstalk_db: float | None):
    """Voice heard on both microphones stays only on the much louder one."""
    if crosstalk_db is None:
        return feats, [0, 0]
    check_positive(crosstalk_db, "crosstalk_db")
    a, b = feats
    both = (a.voice == 1) & (b.voice == 1)
    with np.errstate(invalid="ignore"):
        diff = a.intensity_db - b.intensity_db
    out, removed = [], []
    for f, quieter in ((a, both & (-diff > crosstalk_db)), (b, both & (diff > crosstalk_db))):
        voice, f0 = f.voice.copy(), f.f0_hz.copy()
        voice[quieter], f0[quieter] = 0.0, np.nan
        out.append(VoiceFeatures(voice, f0, f.intensity_db, f.frame_s))
        removed.append(int(quieter.sum()))
    return out, removed


def _same_length(feats: list[VoiceFeatures]) -> tuple[list[VoiceFeatures], int]:
    """Pad the shorter recording with missing frames (NaN), and say how many."""
    n = max(f.n_frames for f in feats)
    out = []
    for f in feats:
        pad = n - f.n_frames
        out.append(VoiceFeatures(*(np.r_[a, np.full(pad, np.nan)]
                                   for a in (f.voice, f.f0_hz, f.intensity_db)), f.frame_s))
    padded = abs(feats[0].n_frames - feats[1].n_frames)
    if padded:
        logger.warning("the two recordings differ by %d frames; the shorter is padded with "
                       "missing values", padded)
    return out, padded
