"""The console's part of `pressroom --self-check`: Qt loads and shows a widget, and a
coroutine runs on the qasync loop the console's flows use; then the platform the console
itself will use where a display is set (xcb on X11, wayland) is checked: the libraries
its plugin needs (a missing one named with its Debian package), and — outside the bundle
— a real start on it in a child process, since a plugin that cannot load aborts Qt."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from app.assets import resource


def check_qt() -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication([])
    label = QLabel("Pressroom")
    label.show()
    app.processEvents()
    label.close()

    async def flow() -> str:
        await asyncio.sleep(0.01)
        return "ok"

    loop = qasync.QEventLoop(app)
    try:
        answer = loop.run_until_complete(flow())
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    return f"PySide6 on the {QApplication.platformName()} platform, qasync flows {answer}"


def console_platform(env: dict[str, str] | None = None) -> str | None:
    """The platform `pressroom` (the console) starts on here, or None without a display."""
    env = dict(os.environ if env is None else env)
    chosen = env.get("PRESSROOM_CONSOLE_PLATFORM") or env.get("QT_QPA_PLATFORM")
    if chosen and chosen != "offscreen":
        return chosen.split(":")[0].split(";")[0]
    if env.get("WAYLAND_DISPLAY"):
        return "wayland"
    if env.get("DISPLAY"):
        return "xcb"
    return None


def qt_packages() -> dict[str, str]:
    """Library file -> the Debian package that has it (resources/platform)."""
    text = resource("platform", "qt-debian-packages.txt").read_text("utf-8")
    pairs = [line.split() for line in text.splitlines() if line and not line.startswith("#")]
    return {library: package for library, package in pairs}


def missing_libraries(platform: str) -> list[str]:
    """The libraries the platform's plugin cannot find here (ldd's "not found")."""
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    plugin = qt / "plugins" / "platforms" / f"libq{platform}.so"
    if not plugin.exists():
        return [f"{plugin.name} (the {platform} plugin is not in this install)"]
    files = [plugin]
    if platform == "xcb":
        files += list((qt / "lib").glob("libQt6XcbQpa.so*"))[:1]
    missing: list[str] = []
    for file in files:
        try:
            out = subprocess.run(
                ["ldd", str(file)], capture_output=True, text=True, timeout=20
            ).stdout
        except (OSError, subprocess.TimeoutExpired):
            return []  # no ldd here: the start below tells
        for line in out.splitlines():
            if "not found" in line:
                name = line.split("=>")[0].strip()
                if name not in missing:
                    missing.append(name)
    return missing


def check_console_platform() -> str:
    platform = console_platform()
    if platform is None:
        return "no display here (DISPLAY, WAYLAND_DISPLAY unset): the console needs one"
    missing = missing_libraries(platform)
    if missing:
        packages = qt_packages()
        named = [f"{lib} ({packages[lib]})" if lib in packages else lib for lib in missing]
        install = " ".join(packages[lib] for lib in missing if lib in packages)
        raise RuntimeError(
            f"the console cannot start on the {platform} platform here: missing "
            f"{', '.join(named)}" + (f"; apt-get install {install}" if install else "")
        )
    if getattr(sys, "frozen", False):
        return f"the {platform} platform's libraries are all here"
    probe = (
        "import sys; from PySide6.QtWidgets import QApplication; "
        f"app = QApplication(['pressroom', '-platform', '{platform}']); "
        "print(app.platformName())"
    )
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    try:
        started = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, env=env
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"the console did not start on {platform} within 60 s") from None
    if started.returncode != 0:
        said = [line for line in started.stderr.splitlines() if line.strip()]
        raise RuntimeError(
            f"the console cannot start on the {platform} platform here (exit "
            f"{started.returncode}): {said[-1] if said else 'no message'}"
        )
    return f"the console starts on {started.stdout.strip() or platform}"
