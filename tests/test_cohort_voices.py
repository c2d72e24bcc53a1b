"""Voices in the cohort (issue 25.5): `attune batch` reads a folder of two-channel WAV
sessions, the vocal measures reach the store, and a project's mixed model is fitted on them.

Reference: the planted truth. Each session is an espeak-ng conversation whose switching
pauses are planted at 0.5 s + 0.4 s per session number (+ a per-dyad offset and jitter), so
the model's slope of the mean switching pause on session number must be near 0.4 s.
"""

from __future__ import annotations

import numpy as np
import pytest
from voices import RATE, needs_espeak, plant, speak

from attunement.cohort import Store, load_project, run_batch
from attunement.cohort.models import fit_models

PROJECT = """
[sessions]
paths = ["data/*.wav"]
metadata = "meta.csv"
[analysis.measures]
vocal = {}
[analysis.surrogates]
n_surrogates = 0
[analysis.episodes]
enabled = false

[[models]]
name = "pauses"
formula = "vocal_switching_pause_mean_s_partner_1 ~ session_number + (1 | dyad)"
channel = "voice"
"""


def _conversation(gap_s: float, seed: int):
    """Twelve alternating utterances, each switching pause ``gap_s`` +- 0.1 s."""
    rng = np.random.default_rng(seed)
    words = ["hello", "oh yes", "right", "good", "and you", "fine"]
    voices = {0: ("en+f2", 60), 1: ("en", 50)}
    script, end = [], 0.3
    for k in range(12):
        onset = end + gap_s + rng.uniform(-0.1, 0.1)
        script.append((k % 2, onset, words[k % 6], *voices[k % 2]))
        end = onset + speak(words[k % 6], *voices[k % 2]).size / RATE
    return plant(script, end + 1.0)[0]


@needs_espeak
def test_batch_of_wav_sessions_gives_a_vocal_model(tmp_path):
    soundfile = pytest.importorskip("soundfile")
    (tmp_path / "data").mkdir()
    rows = []
    for dyad in range(3):
        for number in (1, 2, 3):
            sid = f"d{dyad}_s{number}"
            tracks = _conversation(0.5 + 0.4 * (number - 1) + 0.1 * dyad, seed=dyad * 10 + number)
            soundfile.write(tmp_path / "data" / f"{sid}.wav", tracks.T, RATE)
            rows.append(f"{sid},d{dyad},{number}")
    (tmp_path / "meta.csv").write_text("session,dyad,session_number\n" + "\n".join(rows))
    (tmp_path / "project.toml").write_text(PROJECT)
    project = load_project(tmp_path / "project.toml")
    store = Store(tmp_path / "store")
    result = run_batch(project, store, executor="local", workers=1)
    assert not result.failed and len(result.computed) == 9
    summary = store.query("SELECT * FROM summary WHERE channel = 'voice' ORDER BY session")
    assert len(summary) == 9
    assert np.isfinite(summary.vocal_switching_pause_mean_s_partner_1).all()
    fitted = fit_models(store, project.spec.models)
    assert not fitted.errors, fitted.errors
    slope = fitted.fits["pauses"].coefficients.set_index("term").loc["session_number"]
    assert slope["estimate"] == pytest.approx(0.4, abs=0.1)
    assert slope["p_value"] < 0.01
