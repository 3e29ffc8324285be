"""Whisper base is assembled from its two wheels once, checked, and never used when damaged."""

from __future__ import annotations

import shutil

import pytest

from leadline.speech import models


@pytest.fixture
def small_parts(tmp_path, monkeypatch):
    """Stand-in parts (the real ones are 145 MB): the same assembly code, a pinned hash of their join."""
    import hashlib

    parts = []
    for i, payload in enumerate((b"first half " * 1000, b"second half " * 1000)):
        path = tmp_path / f"part{i}"
        path.write_bytes(payload)
        parts.append(path)
    for name in models.BASE_SIDE_FILES:
        (tmp_path / name).write_text("{}")
    files = {("p1", "model.bin.part1"): parts[0], ("p2", "model.bin.part2"): parts[1],
             **{("p1", name): tmp_path / name for name in models.BASE_SIDE_FILES}}
    monkeypatch.setattr(models, "BASE_PARTS", (("p1", "model.bin.part1"), ("p2", "model.bin.part2")))
    monkeypatch.setattr(models, "_part_file", lambda package, name: files[(package, name)])
    monkeypatch.setattr(models, "BASE_SHA256",
                        hashlib.sha256(parts[0].read_bytes() + parts[1].read_bytes()).hexdigest())
    monkeypatch.setattr(models, "_verified", set())
    return parts


def test_assembled_once_then_reused(small_parts, tmp_path):
    cache = tmp_path / "cache"
    target = models.base_model_dir(cache)
    assert (target / "model.bin").read_bytes() == small_parts[0].read_bytes() + small_parts[1].read_bytes()
    assert sorted(p.name for p in target.iterdir()) == sorted(["model.bin", *models.BASE_SIDE_FILES])
    stamp = (target / "model.bin").stat().st_mtime_ns
    models._verified.clear()  # a new process: checks the hash, finds it right, leaves the file alone
    assert models.base_model_dir(cache) == target and (target / "model.bin").stat().st_mtime_ns == stamp


def test_a_partial_or_corrupt_model_is_rebuilt_never_used(small_parts, tmp_path):
    cache = tmp_path / "cache"
    target = models.base_model_dir(cache)
    whole = (target / "model.bin").read_bytes()
    for damaged in (whole[: len(whole) // 2], whole[:-5] + b"XXXXX"):  # a cut copy, then flipped bytes
        (target / "model.bin").write_bytes(damaged)
        models._verified.clear()
        models.base_model_dir(cache)
        assert (target / "model.bin").read_bytes() == whole


def test_a_damaged_part_fails_clearly_and_leaves_nothing_half_written(small_parts, tmp_path):
    small_parts[1].write_bytes(b"corrupted in the wheel")
    cache = tmp_path / "cache"
    with pytest.raises(models.ModelAssemblyError, match="damaged; reinstall"):
        models.base_model_dir(cache)
    assert not (cache / "model.bin").exists() and not list(cache.glob("model.bin.partial-*"))


def test_the_real_wheels_make_the_pinned_model(tmp_path):
    target = models.base_model_dir(tmp_path / "real")
    assert models.sha256(target / "model.bin") == models.BASE_SHA256
    models.check_model_dir(str(target))
    shutil.rmtree(target)


def test_the_connection_names_a_model():
    assert models.resolve_model("base") == models.resolve_model(None)
    assert models.resolve_model("tiny.en") != models.resolve_model("base")
    assert models.resolve_model("/models/my-whisper") == "/models/my-whisper"
