#!/usr/bin/env bash
# CI's check of the deployment files, the way it can without a container runtime:
#   1. hadolint on packaging/Dockerfile and actionlint on .github/workflows/*.yml (both from
#      the test extras in .venv); any finding fails;
#   2. the Dockerfile's recipe: the files its COPY lines name are staged as in the image, and
#      packaging/service.sh installs them into a fresh virtual environment;
#   3. `systemd-analyze verify` on a copy of packaging/pressroom.service whose ExecStart
#      points at that fresh install (the real path, /opt/pressroom/venv, exists only on a
#      server); any output fails;
#   4. service.sh starts the service with a throwaway token, data folder and free port; the
#      image's HEALTHCHECK (packaging/healthcheck.py) must find /health answering 200 with
#      "status": "ok", the token must be required, the running service must map none of
#      Qt's libraries (the image installs none), and SIGTERM must stop it cleanly.
#   bash packaging/check-deployment.sh        # from .ci/run, after .venv has the test extras
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
step() { printf '[deployment %3ss] %s\n' "$((SECONDS - started))" "$*"; }
fail() { echo "deployment check FAILED: $*" >&2; exit 1; }

# --- 1. linters ----------------------------------------------------------------------------
tool() {
    local found
    found=$(command -v ".venv/bin/$1" || command -v "$1") \
        || fail "$1 is missing: .venv/bin/pip install -e '.[test]' installs it"
    echo "$found"
}
hadolint=$(tool hadolint)
actionlint=$(tool actionlint)
step "hadolint $("$hadolint" --version | grep -o '[0-9][0-9.]*' | head -1) packaging/Dockerfile"
"$hadolint" --no-color --failure-threshold style packaging/Dockerfile
step "actionlint $("$actionlint" -version | head -1) .github/workflows/"
"$actionlint" -no-color .github/workflows/*.yml

# --- 2. the image's install step, from the files the image gets ----------------------------
tmp=$(mktemp -d /tmp/pressroom-ci-deploy.XXXXXX)
pid=""
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
stage=$tmp/src
grep -E '^COPY ' packaging/Dockerfile | while read -r _ args; do
    # shellcheck disable=SC2086  # the Dockerfile's words, split as Docker splits them
    set -- $args
    dest=$stage/${!#}
    mkdir -p "$dest"
    while [ $# -gt 1 ]; do
        [ -e "$1" ] || fail "packaging/Dockerfile copies $1, which does not exist"
        if [ -d "$1" ]; then cp -R "$1/." "$dest"; else cp "$1" "$dest"; fi
        shift
    done
done
step "service.sh install (a fresh venv from the image's files)"
sh "$stage/packaging/service.sh" install "$tmp/venv" >"$tmp/install.log" 2>&1 \
    || { grep -v '^WARNING: Location' "$tmp/install.log" >&2; fail "service.sh install"; }

# --- 3. the systemd unit ---------------------------------------------------------------------
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (apt-get install systemd)"
grep -q '^ExecStart=/opt/pressroom/venv/bin/pressroom ' packaging/pressroom.service \
    || fail "pressroom.service: ExecStart is no longer /opt/pressroom/venv/bin/pressroom serve"
mkdir "$tmp/unit"
sed "s#^ExecStart=/opt/pressroom/venv/#ExecStart=$tmp/venv/#" packaging/pressroom.service \
    >"$tmp/unit/pressroom.service"
step "systemd-analyze verify packaging/pressroom.service (ExecStart -> the fresh venv)"
verify=$(systemd-analyze verify "$tmp/unit/pressroom.service" 2>&1) || true
[ -z "$verify" ] || { echo "$verify" >&2; fail "systemd-analyze verify has findings"; }

# --- 4. the image's start step and its health check -----------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
mkdir -p "$tmp/home" "$tmp/run"
run_env=(env -i "PATH=/usr/local/bin:/usr/bin:/bin" "HOME=$tmp/home" "LANG=C.UTF-8"
    "PRESSROOM_API_TOKEN=$token" "PRESSROOM_DATA_DIR=$tmp/data" "PORT=$port"
    "PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring" "PYTHONUNBUFFERED=1")
step "service.sh start on port $port, then the image's HEALTHCHECK"
(cd "$tmp/run" && exec "${run_env[@]}" sh "$stage/packaging/service.sh" start "$tmp/venv" \
    --host 127.0.0.1 >"$tmp/serve.log" 2>&1) &
pid=$!
(cd "$tmp/run" && "${run_env[@]}" "$tmp/venv/bin/python" "$stage/packaging/healthcheck.py" \
    --wait 60) || { cat "$tmp/serve.log" >&2; fail "the started service never became healthy"; }
"$tmp/venv/bin/python" - "$port" "$token" <<'EOF' || fail "the API token is not enforced"
import sys
import urllib.error
import urllib.request

url = f"http://127.0.0.1:{sys.argv[1]}/monitor/status"
try:
    urllib.request.urlopen(url, timeout=5)
    sys.exit("GET /monitor/status answered without a token")
except urllib.error.HTTPError as exc:
    assert exc.code == 401, exc.code
request = urllib.request.Request(url, headers={"Authorization": f"Bearer {sys.argv[2]}"})
with urllib.request.urlopen(request, timeout=5) as response:
    assert response.status == 200, response.status
EOF
[ "$(cat "/proc/$pid/comm")" = pressroom ] \
    || fail "service.sh start did not exec pressroom, so SIGTERM would not reach it"
qt_libs=$(grep -oE '/[^ ]*/(libGL|libEGL|libxkbcommon|libfontconfig|libdbus-1|libQt6)[^/ ]*\.so[^/ ]*' \
    "/proc/$pid/maps" | sort -u || true)
[ -z "$qt_libs" ] || fail "the service now maps Qt's libraries, which packaging/Dockerfile does
not install (add their Debian packages there, or keep Qt out of the service): $qt_libs"
step "SIGTERM"
kill -TERM "$pid"
status=0
for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && { cat "$tmp/serve.log" >&2; fail "the service ignored SIGTERM for 30 s"; }
wait "$pid" || status=$?
pid=""
[ "$status" -eq 0 ] || { cat "$tmp/serve.log" >&2; fail "the service exited with $status after SIGTERM"; }
step "all deployment checks passed"
