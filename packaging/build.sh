#!/usr/bin/env bash
# Build the one-folder bundle: dist/pressroom/pressroom (about 300 MB, about a minute), plus
# dist/Pressroom.app on macOS. Runs on Linux, macOS and Windows (Git Bash), as
# .github/workflows/bundle.yml does; this project's own CI builds the Linux one.
#   bash packaging/build.sh            # uses .venv, creating it with $PYTHON (python3) if needed
set -euo pipefail
cd "$(dirname "$0")/.."
venv_python() { [ -x .venv/bin/python ] && echo .venv/bin/python || echo .venv/Scripts/python.exe; }
[ -x "$(venv_python)" ] || "${PYTHON:-python3}" -m venv .venv
py=$(venv_python)
"$py" -m pip install -q -e . 'pyinstaller>=6.5'
"$py" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/pressroom.spec
case "$(uname -s)" in
Linux) cp packaging/pressroom.desktop resources/icons/pressroom-256.png dist/pressroom/ ;;
esac
echo "built $(du -sh dist/pressroom | cut -f1) in dist/pressroom"
