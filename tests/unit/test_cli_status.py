"""`pressroom order` with the customer's name and e-mail, and `pressroom status` showing
them, with "done" instead of a finished item's last stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.catalog import demo_photo
from app.cli.main import main
from app.domain import Claim, Stage, Status
from app.store.embedded import EmbeddedOrderStore
from tests.conftest import seed_demo_books


def test_order_keeps_the_customer_and_status_shows_finished_items_as_done(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    photo = tmp_path / "kid.jpg"
    photo.write_bytes(demo_photo("child-kofi.jpg"))
    seed_demo_books(data)
    common = ["--book", "giant-garden", "--photo", str(photo), "--data-dir", str(data)]
    assert (
        main(
            [
                "order",
                *common,
                "--name",
                "Kofi",
                "--customer-name",
                "Ama Mensah",
                "--email",
                "ama@example.org",
            ]
        )
        == 0
    )
    named = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["order", *common, "--name", "Ada"]) == 0
    anonymous = capsys.readouterr().out.strip().splitlines()[-1]

    store = EmbeddedOrderStore(data / "pressroom.sqlite3")
    item = store.get_item(named)
    assert (item.customer_name, item.customer_email) == ("Ama Mensah", "ama@example.org")
    assert item.paid_at is not None
    [claimed] = store.claim("w", 1, 60)  # the older order: Kofi's
    claim = Claim(claimed.id, "w", 1)
    store.transition(claimed.id, Status.PROCESSING, Status.PUBLISHING, claim=claim)
    store.report_progress(claim, Stage.PUBLISH, 0, 1)
    store.complete(claim, pdf_url="file:///b.pdf", cover_image_url="c", notification_body="ok")
    store.close()

    assert main(["status", "--data-dir", str(data)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        [line.split() for line in lines]
        == [
            ["item", "book", "child", "status", "stage", "customer", "error"],  # the header
            [anonymous[:8], "giant-garden", "Ada", "pending"],  # no stage, customer or error yet
            [
                named[:8],
                "giant-garden",
                "Kofi",
                "completed",
                "done",
                "Ama",
                "Mensah",
                "<ama@example.org>",
            ],
            # what README promises for a finished item: its e-mail and push, even unset
            ["email:", "not", "configured", "(set", "SMTP_HOST)"],
            ["push:", "not", "configured", "(set", "PRESSROOM_FCM_SERVICE_ACCOUNT)"],
        ]
    )
    assert "publish" not in lines[2]


def test_the_check_column_lines_up_when_only_some_items_were_checked() -> None:
    from datetime import UTC, datetime

    from app.cli.records import _row, _status_line
    from app.domain import OrderItem, Personalization

    def made(n: int) -> OrderItem:
        return OrderItem(
            id=f"{n:032d}",
            order_id="o",
            customer_id="c",
            book_id="moon-boat",
            personalization=Personalization("Ada", 5, "girl", "p.jpg"),
            pressroom_status=Status.COMPLETED,
            created_at=datetime(2026, 12, 2, tzinfo=UTC),
            customer_name="Grace Okafor",
        )

    header = _row(["item", "book", "child", "status"], "stage", "check", "customer", "", 12, 5, 6)
    lines = [_status_line(made(1), 12, "passed", 5, 6), _status_line(made(2), 12, "", 5, 6)]
    column = header.index("customer")
    assert all(line.index("Grace") == column for line in lines)
