"""The vendored model files: present, licensed, and checked against their SHA-256."""

from __future__ import annotations

import pytest

from attunement.extract import _models


def test_vendored_models_match_their_recorded_checksums():
    sums = {}
    for line in (_models.MODEL_DIR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        sums[name] = digest
    for name, (filename, digest, _) in _models.MODELS.items():
        assert sums[filename] == digest
        path, got = _models.model_path(name)
        assert got == digest and path.stat().st_size < 5_000_000
        assert (_models.MODEL_DIR / f"{filename}.LICENSE").is_file()
    # the provenance named in issue #9: sha256 beginning 64184e22 for face_landmarker.task
    assert _models.MODELS["face_landmarker"][1].startswith("64184e22")


def test_a_damaged_or_missing_model_file_is_refused(tmp_path, monkeypatch):
    (tmp_path / "face_landmarker.task").write_bytes(b"not the model")
    monkeypatch.setattr(_models, "MODEL_DIR", tmp_path)
    with pytest.raises(ValueError, match=r"face_landmarker\.task: checksum mismatch; expected "
                                         r"SHA-256 64184e22.*, got "):
        _models.model_path("face_landmarker")
    with pytest.raises(ValueError, match=r"emotion_model_quantized\.tflite: the vendored model "
                                         r"file is missing"):
        _models.model_path("emotion")
    with pytest.raises(ValueError, match=r"Unknown model 'pose'; known models are"):
        _models.model_path("pose")
    with pytest.raises(ValueError, match=r"mine\.task: no such model file for 'face_landmarker'"):
        _models.model_path("face_landmarker", tmp_path / "mine.task")
