"""The vendored model files, checked against their SHA-256 before use."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from pathlib import Path

MODEL_DIR = Path(__file__).parent / "models"

#: name -> (file in models/, SHA-256, licence). See models/README.md for provenance.
MODELS = {
    "face_landmarker": (
        "face_landmarker.task",
        "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff",
        "Apache-2.0",
    ),
    "emotion": (
        "emotion_model_quantized.tflite",
        "65e3961bb68f497bd02a8d075da8409364db90004edb80c0c6cb15647c4de559",
        "MIT",
    ),
}


def sha256_of(path: str | Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_path(name: str, path: str | Path | None = None) -> tuple[Path, str]:
    """Return ``(path, sha256)`` of a model, checking a vendored file's checksum.

    With ``path`` a user's own model file is used instead (its checksum is
    reported, not checked).

    Examples
    --------
    >>> p, digest = model_path("emotion")
    >>> p.name, digest[:8]
    ('emotion_model_quantized.tflite', '65e3961b')
    """
    if name not in MODELS:
        raise ValueError(f"Unknown model {name!r}; known models are {sorted(MODELS)}.")
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"{path}: no such model file for {name!r}.")
        return path, sha256_of(path)
    filename, expected, _ = MODELS[name]
    path = MODEL_DIR / filename
    if not path.is_file():
        raise ValueError(
            f"{path}: the vendored model file is missing; reinstall attunement "
            "(the package data was not installed)."
        )
    got = sha256_of(path)
    if got != expected:
        raise ValueError(
            f"{path}: checksum mismatch; expected SHA-256 {expected}, got {got}. "
            "The file is damaged or was replaced; reinstall attunement."
        )
    return path, got


@contextlib.contextmanager
def quiet_native_stderr():
    """Silence what native libraries (MediaPipe, LiteRT) print on stderr while loading.

    Skipped when the attunement logger is at DEBUG, so nothing is hidden from a
    user who asks for detail.
    """
    if logging.getLogger("attunement").isEnabledFor(logging.DEBUG):
        yield
        return
    try:
        fd = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(fd, 2)
        os.close(fd)
