"""`pressroom erase` and POST /erase: a dry run that changes nothing, a question before
erasing (refused without a terminal unless --yes), the token, and clear 4xx answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.catalog import demo_photo
from app.cli.main import main
from app.events import EventBus
from app.runtime import build_services
from app.store.embedded import EmbeddedOrderStore
from app.worker.service import Service
from tests.conftest import make_settings, seed_demo_books

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _ordered(tmp_path: Path, customer: str = "cust-7") -> tuple[Path, str]:
    data = tmp_path / "data"
    photo = tmp_path / "kid.jpg"
    photo.write_bytes(demo_photo("child-kofi.jpg"))
    seed_demo_books(data)
    args = ["order", "--book", "giant-garden", "--photo", str(photo), "--data-dir", str(data)]
    assert main([*args, "--name", "Kofi", "--customer", customer]) == 0
    return data, customer


def test_the_command_says_what_goes_asks_first_and_then_erases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, customer = _ordered(tmp_path)
    capsys.readouterr()
    erase = ["erase", "--customer", customer, "--data-dir", str(data)]
    assert main([*erase, "--dry-run"]) == 0
    said = capsys.readouterr().out
    assert "1 order item(s) (0 delivered)" in said and "1 photo file(s)" in said
    assert "nothing changed (--dry-run)" in said
    assert main(erase) == 2  # no terminal to ask on, and no --yes
    assert "add --yes" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda _: "no")
    assert main(erase) == 3
    store = EmbeddedOrderStore(data / "pressroom.sqlite3")
    assert store.erasures() == [] and store.items_of_customer(customer)[0].personalization.photo
    assert main([*erase, "--yes"]) == 0
    assert "erasure " in capsys.readouterr().out
    [record] = store.erasures()
    assert record.scope == "customer" and record.finished_at is not None
    assert not list((data / "blobs" / "photos").rglob("*.jpg"))
    assert main(["erase", "--resume", "--data-dir", str(data)]) == 0
    assert "no erasure was left unfinished" in capsys.readouterr().out
    store.close()


def test_the_endpoint_needs_the_token_and_answers_each_case(tmp_path: Path) -> None:
    _, customer = _ordered(tmp_path)
    services = build_services(make_settings(tmp_path, auto_start_monitor=False), EventBus())
    with TestClient(Service(services, TOKEN).app) as client:
        assert client.post("/erase", json={"customerId": customer}).status_code == 401
        dry = client.post("/erase", json={"customerId": customer, "dryRun": True}, headers=AUTH)
        assert dry.status_code == 200 and dry.json()["erasure"] is None
        assert services.store.erasures() == []
        missing = client.post("/erase", json={"customerId": "nobody"}, headers=AUTH)
        assert missing.status_code == 404 and "no order items" in missing.json()["error"]
        both = client.post(
            "/erase", json={"customerId": customer, "itemId": "x" * 32}, headers=AUTH
        )
        assert both.status_code == 422 and "either" in both.json()["error"]
        odd = client.post("/erase", json={"customer": customer}, headers=AUTH)
        assert odd.status_code == 422
        done = client.post(
            "/erase", json={"customerId": customer, "requestedBy": "dpo"}, headers=AUTH
        )
        assert done.status_code == 200, done.text
        record = done.json()["erasure"]
        assert record["actor"] == "dpo (POST /erase)" and record["counts"]["photo"] == 1
    assert services.store.items_of_customer(customer)[0].personalization.erased_at
