"""The chaos run, small, on PostgreSQL through the Supabase adapter (supabase-py, the fake
PostgREST and Storage, a fresh database): workers killed, the database's connections
dropped once, the model failing — and every invariant holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.proving.chaos import ChaosPlan, run_chaos
from app.proving.fake_gemini import Faults


@pytest.mark.timeout(1200)  # no wall budget: the run waits for the work, stopping if it stalls
def test_a_small_chaos_run_on_postgresql(
    tmp_path: Path, pg_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = ChaosPlan(books=4, workers=2, seconds=None, kill_every=6.0, faults=Faults(seed=5))
    code = run_chaos(plan, tmp_path, database_url=pg_server)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "on PostgreSQL" in out and "items 4: 4 completed" in out
    assert "database connections dropped (pg_terminate_backend): " in out
    assert "invariants hold" in out
