"""The self-check tries the platform the console will use, not only offscreen."""

from __future__ import annotations

import pytest

from app.ui import selfcheck


def test_the_console_platform_follows_the_display() -> None:
    assert selfcheck.console_platform({"DISPLAY": ":0"}) == "xcb"
    assert selfcheck.console_platform({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}) == (
        "wayland"
    )
    assert selfcheck.console_platform({"QT_QPA_PLATFORM": "xcb;wayland"}) == "xcb"
    assert selfcheck.console_platform({"QT_QPA_PLATFORM": "offscreen"}) is None
    assert selfcheck.console_platform({}) is None


def test_a_missing_library_is_named_with_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":42")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(selfcheck, "missing_libraries", lambda _p: ["libxcb-icccm.so.4"])
    with pytest.raises(RuntimeError) as raised:
        selfcheck.check_console_platform()
    said = str(raised.value)
    assert "cannot start on the xcb platform here: missing libxcb-icccm.so.4 (libxcb-icccm4)" in (
        said
    )
    assert said.endswith("apt-get install libxcb-icccm4")


def test_ldd_reads_the_real_plugin() -> None:
    # whatever this machine has: a list of names, never an exception
    assert isinstance(selfcheck.missing_libraries("offscreen"), list)
