#!/usr/bin/env bash
# Build the one-folder bundle: dist/pressroom/pressroom (about 300 MB, about a minute).
#   bash packaging/build.sh            # uses .venv, creating it if needed
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q -e . 'pyinstaller>=6.5'
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/pressroom.spec
cp packaging/pressroom.desktop resources/icons/pressroom-256.png dist/pressroom/
echo "built $(du -sh dist/pressroom | cut -f1) in dist/pressroom"
