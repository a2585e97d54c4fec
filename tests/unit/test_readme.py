"""README.md starts with the two commands a newcomer runs; CI runs the second one exactly."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    blocks = text.split("```bash\n")[1:3]
    return [block.split("\n```", 1)[0].strip() for block in blocks]


def test_readme_starts_with_run_and_test_commands() -> None:
    run, test = readme_commands()
    assert run.endswith(".venv/bin/pressroom")
    assert test.endswith("pytest")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    _, test = readme_commands()
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test in ci_lines


def qt_packages() -> set[str]:
    from app.ui.selfcheck import qt_packages as table

    return set(table().values())


def test_readme_names_every_debian_package_qt_needs() -> None:
    text = " ".join((ROOT / "README.md").read_text().split())
    line = text.split("apt-get install ", 1)[1].split("`", 1)[0]
    assert set(line.split()) == qt_packages()


def test_ci_installs_the_same_qt_packages_from_the_same_list() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "resources/platform/qt-debian-packages.txt" in ci  # read, not copied


def test_the_list_covers_what_the_qt_platform_plugins_link_against() -> None:
    """Every library the xcb and offscreen plugins (and Qt's own libraries) need, by their
    ELF headers, is bundled with PySide6, part of every Debian, or in the list."""
    import subprocess

    import PySide6

    from app.ui.selfcheck import qt_packages as table

    qt = Path(PySide6.__file__).parent / "Qt"
    files = [
        qt / "plugins" / "platforms" / "libqxcb.so",
        qt / "plugins" / "platforms" / "libqoffscreen.so",
        *(qt / "lib").glob("libQt6XcbQpa.so.6"),
        *(qt / "lib").glob("libQt6Gui.so.6"),
        *(qt / "lib").glob("libQt6Core.so.6"),
        *(qt / "lib").glob("libQt6DBus.so.6"),
    ]
    base = ("ld-linux", "libc.so", "libm.so", "libstdc++", "libgcc_s", "libz.so", "libzstd")
    bundled = {p.name for p in (qt / "lib").iterdir()}
    needed: set[str] = set()
    for file in files:
        dump = subprocess.run(["objdump", "-p", str(file)], capture_output=True, text=True)
        needed |= {
            line.split()[1]
            for line in dump.stdout.splitlines()
            if line.strip().startswith("NEEDED")
        }
    assert needed, "objdump found no dependencies"
    outside = {n for n in needed if n not in bundled and not n.startswith(base)}
    assert outside - set(table()) == set()


def test_the_code_map_names_every_package_of_the_app() -> None:
    """README's "How it works" map follows the layout: a new room is named there."""
    text = (ROOT / "README.md").read_text()
    packages = {
        f"app/{p.parent.name}/"
        for p in (ROOT / "app").glob("*/__init__.py")
        if p.parent.name not in {"resources", "migrations"}
    }
    assert {p for p in packages if p not in text} == set()
