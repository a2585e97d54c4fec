"""`pressroom book …` as an operator (or a script) uses it: import unattended with the
answers given, the id last; list, check, live, export, proof."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pymupdf
import pytest

from app.cli.main import main
from tests.unit.catalog.pdfs import PdfPage, make_book_pdf

TEXTS = ["Nora flew her kite.", "The kite took Nora up high.", "Nora waved at the town."]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = main(list(argv))
    return code, capsys.readouterr().out.strip().splitlines()


def test_import_list_check_export_and_proof(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # nobody there to answer
    data = ["--data-dir", str(tmp_path / "data")]
    pdf = make_book_pdf(
        tmp_path / "kite.pdf", "Nora and the Kite", [PdfPage((230, 220, 200), t) for t in TEXTS]
    )
    code, out = run(capsys, "book", "import", str(pdf), *data)
    assert (
        code == 2
        and out[-1] == "pressroom: give the hero's name with --hero (the text suggests Nora)"
    )

    code, out = run(capsys, "book", "import", str(pdf), "--hero", "Nora", "--gender", "girl", *data)
    assert code == 0, out
    assert out[-1] == "nora-and-the-kite"  # the id, last, for scripts
    assert (
        "The offline provider cannot find the hero or the title; draw the regions by hand." in out
    )

    code, out = run(capsys, "book", "list", *data)
    assert out == ["nora-and-the-kite        v1   draft      3 pages  Nora and the Kite"]

    code, out = run(capsys, "book", "check", "nora-and-the-kite", *data)
    assert code == 3 and "cover: mark where the hero stands on the cover" in out
    code, out = run(capsys, "book", "live", "nora-and-the-kite", *data)
    assert code == 3 and out[-1] == "nora-and-the-kite stays draft: 4 to fix first"

    code, out = run(capsys, "book", "export", "nora-and-the-kite", str(tmp_path / "out"), *data)
    manifest = json.loads((tmp_path / "out" / "book.json").read_text())
    assert [p["text"] for p in manifest["pages"]] == TEXTS
    assert manifest["hero_name"] == "Nora" and manifest["pages"][0]["text_box"] is not None

    proof = tmp_path / "proof.pdf"
    code, out = run(capsys, "book", "proof", "nora-and-the-kite", "-o", str(proof), *data)
    assert code == 0, out
    with pymupdf.open(proof) as doc:
        assert doc.page_count == 4
        assert "Ada flew her kite." in doc[1].get_text()
