"""Exit 0 when `pressroom serve` here answers GET /health with 200 and {"status": "ok"}.

The Docker image's HEALTHCHECK (slim images have no curl), and the check CI runs on the
service that packaging/service.sh started (packaging/check-deployment.sh). The port and
host come from the same settings the service reads (PORT / PRESSROOM_PORT,
PRESSROOM_HOST, a .env in the working folder), so the two cannot disagree.

    python packaging/healthcheck.py [--host H] [--port P] [--wait SECONDS]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request

ANY_ADDRESS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def probe(url: str, timeout: float) -> str | None:
    """None when healthy, else what was wrong."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status, body = response.status, response.read()
    except (urllib.error.URLError, OSError) as exc:
        return f"{url}: {getattr(exc, 'reason', exc)}"
    try:
        answer = json.loads(body)
    except ValueError:
        return f"{url}: not JSON: {body[:80]!r}"
    if status != 200 or not isinstance(answer, dict) or answer.get("status") != "ok":
        return f"{url}: HTTP {status} {answer!r}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", help="default: PRESSROOM_HOST (any address: loopback)")
    parser.add_argument("--port", type=int, help="default: PORT / PRESSROOM_PORT (5000)")
    parser.add_argument("--wait", type=float, default=0, help="keep trying this many seconds")
    args = parser.parse_args(argv)
    host, port = args.host, args.port
    if host is None or port is None:
        from app.config import Settings  # what `pressroom serve` itself reads

        settings = Settings()
        host = settings.host if host is None else host
        port = settings.port if port is None else port
    host = ANY_ADDRESS.get(host, host)
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}/health"
    deadline = time.monotonic() + args.wait
    while True:
        problem = probe(url, timeout=5)
        if problem is None:
            print(f"healthy: {url}")
            return 0
        if time.monotonic() >= deadline:
            print(f"unhealthy: {problem}", file=sys.stderr)
            return 1
        time.sleep(0.25)


if __name__ == "__main__":
    sys.exit(main())
