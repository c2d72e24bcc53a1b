"""Audio extraction against planted truth (tests/voices.py: espeak-ng speaks, we place it).

References: voice activity against the synthesizer's own non-silent span of each planted
utterance; F0 against YIN (de Cheveigne & Kawahara 2002; tests/voices.py), an independent
tracker, on the partner's own track.
"""

from __future__ import annotations

import numpy as np
import pytest
from voices import RATE, needs_espeak, yin_f0

from attunement.audio import extract_audio, read_audio, voice_runs, voiced_fraction

pytestmark = needs_espeak


def _onset_offset(session, partner, onset_s, offset_s, margin_s=0.25):
    t = session.times
    v = session.signals[(partner, "voice")].to_numpy()
    sel = (t >= onset_s - margin_s) & (t < offset_s + margin_s) & (v == 1)
    assert sel.any(), f"no voice detected for {partner} near {onset_s:.2f} s"
    return t[sel][0], t[sel][-1] + 1 / session.sampling_rate


def test_voice_activity_within_50_ms_of_planted_utterances(talk, talk_session):
    _, _, truth = talk
    s = talk_session
    assert s.partners == ("mother", "father") and s.sampling_rate == 100
    for row in truth.itertuples():
        on, off = _onset_offset(s, s.partners[row.partner], row.onset_s, row.offset_s)
        assert abs(on - row.onset_s) <= 0.05, (row.text, on, row.onset_s)
        assert abs(off - row.offset_s) <= 0.05, (row.text, off, row.offset_s)
    # and no voice far from any planted utterance of that partner
    t = s.times
    for k, partner in enumerate(s.partners):
        near = np.zeros(t.size, bool)
        for row in truth[truth.partner == k].itertuples():
            near |= (t >= row.onset_s - 0.25) & (t < row.offset_s + 0.25)
        assert s.signals[(partner, "voice")].to_numpy()[~near].sum() == 0


def test_voiced_fraction_is_bounded_by_the_planted_utterances(talk, talk_session):
    """Reference: the planted spans; voice is found only within 50 ms of them (above), so
    the fraction is at most their share of the clip plus 0.1 s each, and words fill most of
    each span (at least half)."""
    _, _, truth = talk
    s = talk_session
    total_s = s.n_samples / s.sampling_rate
    fractions = voiced_fraction(s)
    assert list(fractions) == list(s.partners)
    for k, partner in enumerate(s.partners):
        mine = truth[truth.partner == k]
        planted = float((mine.offset_s - mine.onset_s).sum()) / total_s
        assert 0.5 * planted <= fractions[partner] <= planted + 0.1 * len(mine) / total_s
    with pytest.raises(ValueError, match="expected a 'voice' channel"):
        voiced_fraction(_without_voice(s))


def _without_voice(session):
    from attunement import Session

    keep = [c for c in session.signals.columns if c[1] != "voice"]
    return Session(session.signals[keep], session.sampling_rate)


def test_f0_within_5_percent_of_yin(talk, talk_session):
    _, tracks, truth = talk
    s = talk_session
    centres = s.times + 0.005  # frame k covers [k, k + 1) * 10 ms
    for row in truth.itertuples():
        inside = (centres > row.onset_s) & (centres < row.offset_s)
        alone = tracks[row.partner].copy()  # the utterance alone, the overlap's other voice out
        ref = yin_f0(alone, centres[inside])
        ours = s.signals[(s.partners[row.partner], "f0_hz")].to_numpy()[inside]
        both = np.isfinite(ref) & np.isfinite(ours)
        assert both.sum() >= 10, row.text
        ratio = ours[both] / ref[both]
        assert abs(np.median(ratio) - 1) < 0.05, (row.text, np.median(ratio))
        assert np.mean(np.abs(ratio - 1) < 0.05) > 0.8, row.text


def test_two_files_equal_two_channels(talk, talk_session):
    folder, _, _ = talk
    s = extract_audio([folder / "a.flac", folder / "b.flac"], partners=("mother", "father"))
    assert s.meta["audio"]["split"] == "files" and s.meta["audio"]["frames_padded"] == 0
    # FLAC holds 24-bit samples: the same voice and F0, intensity near silence within 0.5 dB
    for channel, atol in (("voice", 0), ("f0_hz", 1e-3), ("intensity_db", 0.5)):
        np.testing.assert_allclose(s.signals.xs(channel, axis=1, level=1).to_numpy(),
                                   talk_session.signals.xs(channel, axis=1, level=1).to_numpy(),
                                   rtol=1e-3, atol=atol)


def test_audio_track_of_a_video_container(talk, talk_session, tmp_path):
    """A Matroska file with 16-bit PCM audio (lossless) reads as the WAV does."""
    av = pytest.importorskip("av")
    _, tracks, _ = talk
    path = tmp_path / "dyad.mkv"
    pcm = np.round(np.clip(tracks, -1, 1) * 32767).astype("<i2")
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=RATE, layout="stereo")
        for start in range(0, pcm.shape[1], 4096):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(pcm[:, start:start + 4096].T.reshape(1, -1)),
                format="s16", layout="stereo")
            frame.rate = RATE
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    clip = read_audio(path)
    assert clip.n_channels == 2 and clip.sampling_rate == RATE
    np.testing.assert_allclose(clip.samples, pcm / 32767, atol=1e-6)
    s = extract_audio(path, partners=("mother", "father"))
    agree = s.signals.xs("voice", axis=1, level=1).to_numpy() == \
        talk_session.signals.xs("voice", axis=1, level=1).to_numpy()
    assert agree.mean() > 0.99  # 16-bit rounding may flip a frame at an edge


def test_one_microphone_split_by_pitch(mix):
    path, truth = mix
    s = extract_audio(path, split="pitch", partners=("adult", "infant"))
    audio = s.meta["audio"]
    assert audio["split"] == "pitch" and 150 < audio["split_hz"] < 280
    assert set(s.channels) == {"voice", "f0_hz", "intensity_db", "voice_confidence"}
    for row in truth.itertuples():
        who, other = s.partners[row.partner], s.partners[1 - row.partner]
        on, off = _onset_offset(s, who, row.onset_s, row.offset_s)
        assert abs(on - row.onset_s) <= 0.05 and abs(off - row.offset_s) <= 0.05, row.text
        inside = (s.times >= row.onset_s) & (s.times < row.offset_s)
        assert s.signals[(other, "voice")].to_numpy()[inside].sum() == 0, row.text
        conf = s.signals[(who, "voice_confidence")].to_numpy()[inside]
        assert np.nanmin(conf) > 0.8, row.text
    segments = audio["segments"]
    assert {seg["partner"] for seg in segments} == {"adult", "infant"}
    assert audio["n_unassigned_segments"] == 0


def test_segments_match_voice_runs(mix):
    path, _ = mix
    s = extract_audio(path, split="pitch", partners=("adult", "infant"), split_hz=200)
    voice = np.nan_to_num(s.signals.xs("voice", axis=1, level=1).to_numpy()).max(axis=1)
    runs = voice_runs(voice)
    segs = s.meta["audio"]["segments"]
    assert len(runs) == len(segs) and s.meta["audio"]["split_hz"] == 200


def test_bad_input_names_what_to_fix(mix, tmp_path):
    path, _ = mix
    with pytest.raises(ValueError, match="split='pitch'"):
        extract_audio(path)
    with pytest.raises(ValueError, match="'sampling_rate'"):
        extract_audio(path, split="pitch", sampling_rate=30)
    with pytest.raises(ValueError, match="'partners'"):
        extract_audio(path, split="pitch", partners=("a", "a"))
    with pytest.raises(ValueError, match="'split'"):
        extract_audio(path, split="voices")
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    with pytest.raises(ValueError, match="notes.txt: unknown audio format"):
        read_audio(bad)
    fake = tmp_path / "fake.wav"
    fake.write_text("not a wav")
    with pytest.raises(ValueError, match="fake.wav: not a readable sound file"):
        read_audio(fake)
    with pytest.raises(ValueError, match="'f0_range_hz'"):
        extract_audio(path, split="pitch", f0_range_hz=(500, 100))


def test_attune_extract_reads_sound(talk, talk_session, mix, tmp_path):
    from typer.testing import CliRunner

    import attunement
    from attunement.cli import app

    folder, _, _ = talk
    runner = CliRunner()
    out = tmp_path / "talk.parquet"
    result = runner.invoke(app, ["extract", str(folder / "dyad.wav"), "--out", str(out),
                                 "--partners", "mother,father", "--json"])
    assert result.exit_code == 0, result.output
    (session,) = attunement.read(out)
    assert session.partners == ("mother", "father") and session.sampling_rate == 100
    np.testing.assert_array_equal(session.signals.to_numpy(), talk_session.signals.to_numpy())
    assert session.meta["audio"]["split"] == "channels"
    result = runner.invoke(app, ["extract", str(folder / "a.flac"), str(folder / "b.flac"),
                                 "--split", "files", "--out", str(tmp_path / "pair")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "pair" / "a.parquet").exists()
    path, _ = mix
    result = runner.invoke(app, ["extract", str(path), "--out", str(tmp_path / "room.parquet"),
                                 "--split", "pitch", "--partners", "adult,infant", "--json"])
    assert result.exit_code == 0, result.output
    assert '"split": "pitch"' in result.stdout
    result = runner.invoke(app, ["extract", str(path), "--out", str(tmp_path / "x.parquet")])
    assert result.exit_code == 1 and "split='pitch'" in result.output


def test_crosstalk_between_microphones_is_removed_on_request(talk, tmp_path):
    """Each voice leaks 20 dB down into the other microphone (a planted crosstalk):
    without the rule nearly all voice shows on both channels; with crosstalk_db=15 only
    about the planted 0.27 s overlap does, and the utterances keep their edges."""
    soundfile = pytest.importorskip("soundfile")
    _, tracks, truth = talk
    leak = tracks + 0.1 * tracks[::-1]
    path = tmp_path / "leak.wav"
    soundfile.write(path, leak.T, RATE)

    def both(s):
        v = s.signals.xs("voice", axis=1, level=1).to_numpy()
        return int(((v[:, 0] == 1) & (v[:, 1] == 1)).sum())

    assert both(extract_audio(path)) > 300
    s = extract_audio(path, crosstalk_db=15, partners=("mother", "father"))
    assert both(s) <= 30 and sum(s.meta["audio"]["crosstalk_frames"].values()) > 300
    # edges inside the planted overlap (a voice fading under the other's) are cut too
    overlap = (truth.onset_s.iloc[6], truth.offset_s.iloc[5])  # "fine thanks" into "and you"
    for row in truth.itertuples():
        on, off = _onset_offset(s, s.partners[row.partner], row.onset_s, row.offset_s)
        for got, want in ((on, row.onset_s), (off, row.offset_s)):
            if not overlap[0] - 0.05 <= want <= overlap[1] + 0.05:
                assert abs(got - want) <= 0.05, row.text


def test_attune_extract_voice_from_a_video_with_sound(talk, talk_session, tmp_path):
    """--features voice reads the audio track of a video (Matroska: MPEG-4 frames, PCM sound)."""
    av = pytest.importorskip("av")
    from typer.testing import CliRunner

    import attunement
    from attunement.cli import app

    _, tracks, _ = talk
    path = tmp_path / "clip.mkv"
    pcm = np.round(np.clip(tracks, -1, 1) * 32767).astype("<i2")
    with av.open(str(path), "w") as out:
        video = out.add_stream("mpeg4", rate=5)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = out.add_stream("pcm_s16le", rate=RATE, layout="stereo")
        for k in range(int(tracks.shape[1] / RATE * 5)):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), k % 255, np.uint8),
                                               format="rgb24")
            for packet in video.encode(frame):
                out.mux(packet)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(pcm.T.reshape(1, -1)),
                                           format="s16", layout="stereo")
        frame.rate = RATE
        for packet in (*sound.encode(frame), *sound.encode(None), *video.encode(None)):
            out.mux(packet)
    target = tmp_path / "clip.parquet"
    result = CliRunner().invoke(app, ["extract", str(path), "--features", "voice", "--out",
                                      str(target), "--partners", "mother,father"])
    assert result.exit_code == 0, result.output
    (session,) = attunement.read(target)
    agree = session.signals.xs("voice", axis=1, level=1).to_numpy() == \
        talk_session.signals.xs("voice", axis=1, level=1).to_numpy()
    assert agree.mean() > 0.99
