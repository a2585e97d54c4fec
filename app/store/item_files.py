"""Where an item's files live in the blob store: the checkpoints of its work folder
(`work/<item>/`, app/pipeline/checkpoints.py) and the keys it is published under, as the
mobile app expects them. Shared by the pipeline that writes them and by retention and
erasure (app/privacy), which remove them."""

from __future__ import annotations

from app.domain import OrderItem

COVER_ANALYSIS = "cover-analysis.json"
CHILD_ANALYSIS = "child-analysis.json"
PROMPTS = "prompts.json"
COVER = "cover.jpg"
PDF = "book.pdf"
PROVENANCE = "provenance.json"
APPROVED = "approved.json"
INSTRUCTIONS = "instructions.json"
QUALITY = "quality.json"  # the quality gate's report
PRINT_INTERIOR = "print-interior.pdf"  # for the printer profile (app/print), when not digital
PRINT_COVER = "print-cover.pdf"
PREFLIGHT = "preflight.json"  # preflight's reports on the two print files
QUALITY_TARGETS = "quality-targets.json"  # its checks per image, kept while the image is
BATCHES = "batches.json"  # the batch lane's jobs in flight (app/ai/batch_lane.py)
LIVE_ASKED = "live-asked.json"  # why an operator's redraw goes out live, not by batch


def page_name(index: int) -> str:
    return f"pages/{index:03d}.jpg"


def storage_keys(item: OrderItem) -> tuple[str, str]:
    """(cover key, pdf key) as the mobile app expects them."""
    return f"covers/{item.customer_id}/{item.id}.jpg", f"books/{item.customer_id}/{item.id}.pdf"


PRINT_FILES = (("interior", PRINT_INTERIOR), ("cover", PRINT_COVER))  # kind, checkpoint


def print_key(pdf_key: str, kind: str) -> str:
    """Where a printer profile's file is published, beside the reading PDF."""
    return pdf_key.removesuffix(".pdf") + f"-{kind}.pdf"


def published_keys(item: OrderItem) -> list[str]:
    """Every file publishing may have written for the item: cover, PDF and print files."""
    cover_key, pdf_key = storage_keys(item)
    return [cover_key, pdf_key] + [print_key(pdf_key, kind) for kind, _ in PRINT_FILES]
