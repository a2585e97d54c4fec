#!/bin/sh
# The headless service's install and start steps, kept in one place: packaging/Dockerfile
# RUNs `install` and CMDs `start`, and CI (packaging/check-deployment.sh) runs both in a
# fresh virtual environment and asks the started service for /health, so the image's
# recipe cannot rot unnoticed while no container runtime is at hand.
#
#   sh packaging/service.sh install PREFIX          a venv at PREFIX with pressroom from
#                                                   this checkout (Python 3.11+ as python3,
#                                                   or $PYTHON)
#   sh packaging/service.sh start PREFIX [ARGS...]  exec PREFIX/bin/pressroom serve ARGS
#                                                   (needs PRESSROOM_API_TOKEN; settings
#                                                   from the environment, see env.template)
set -eu
usage() { sed -n '7,11p' "$0" >&2; exit 2; }
[ $# -ge 2 ] || usage
command=$1 prefix=$2
shift 2
src=$(cd "$(dirname "$0")/.." && pwd)

case $command in
install)
    "${PYTHON:-python3}" -m venv "$prefix"
    "$prefix/bin/python" -m pip install --quiet "$src"
    "$prefix/bin/pressroom" --help >/dev/null  # the entry point runs, or the install failed
    ;;
start)
    # exec: pressroom becomes this process (PID 1 in a container), so SIGTERM reaches it
    # and stops it gracefully (books in flight checkpointed, leases released).
    exec "$prefix/bin/pressroom" serve "$@"
    ;;
*)
    usage
    ;;
esac
