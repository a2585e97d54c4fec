"""Everything the item detail shows, gathered off the UI thread (no Qt here)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from app.domain import OrderItem, Stage
from app.notify.dispatcher import delivery_line
from app.pipeline import checkpoints as ck
from app.privacy.likeness import NEEDS_PHOTO, erased_sentence, likeness_key
from app.quality.report import QualityReport
from app.reports.timeline import Timeline, item_timeline
from app.runtime import JobServices
from app.store.item_files import storage_keys
from app.store.ports import BlobNotFound, BlobStore
from app.ui.images import preview_png


@dataclass
class DetailData:
    item: OrderItem
    book_title: str
    original_cover: bytes | None = None  # PNG previews
    generated_cover: bytes | None = None
    photo: bytes | None = None
    photo_note: str = ""  # why the photo pane shows the likeness, or nothing
    pages: list[tuple[int, bytes]] = field(default_factory=list)  # index, side-by-side PNG
    page_count: int = 0
    pdf: bytes | None = None
    pdf_label: str = ""
    sections: dict[str, Any] = field(default_factory=dict)  # analyses, prompts, provenance
    history: str = ""
    timeline: Timeline | None = None
    quality: QualityReport | None = None
    # for a printer profile: the print files, preflight's report, the published URLs
    print_pdfs: dict[str, bytes] = field(default_factory=dict)  # "interior", "cover"
    preflight: dict[str, Any] | None = None
    print_urls: dict[str, str] = field(default_factory=dict)

    def spine(self) -> tuple[float, float] | None:
        """The cover spread's spine edges as fractions of its width."""
        if not self.preflight or "cover" not in self.print_pdfs:
            return None
        from app.print.cover import spread_geometry
        from app.print.profiles import load_profile

        g = spread_geometry(load_profile(self.preflight["profile"]), self.preflight["pages"])
        return g.spine.x0 / g.page.width, g.spine.x1 / g.page.width

    def preflight_note(self, kind: str) -> str:
        """Preflight's summary for one print file and its failures, one per line."""
        for report in (self.preflight or {}).get("reports", []):
            if report["kind"] == kind:
                failed = [
                    f"✗ {v['check']}: {v['sentence']}"
                    for v in report["verdicts"]
                    if v["status"] == "fail"
                ]
                warned = [
                    f"! {v['check']}: {v['sentence']}"
                    for v in report["verdicts"]
                    if v["status"] == "warn"
                ]
                url = self.print_urls.get(kind)
                head = report["summary"] + (
                    f" — published: {url}" if url else " — not published yet"
                )
                return "\n".join([head, *failed, *warned])
        return ""


def _actor(actor: str) -> str:
    """Who, for people: a worker's id ("host-1a2b3c4d") as the machine it ran on."""
    found = re.fullmatch(r"(.+)-[0-9a-f]{8}", actor)
    return f"worker on {found.group(1)}" if found else actor


def _words(text: str) -> str:
    """Stage names as words ("analyze_cover" -> "analyze cover")."""
    for stage in Stage:
        text = text.replace(stage.value, stage.value.replace("_", " "))
    return text


def _maybe(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except (BlobNotFound, OSError, ValueError):
        return None


def _pair(original: bytes, generated: bytes | None, side: int = 220) -> bytes:
    """Original and generated page thumbnails side by side, in one PNG."""
    images = []
    for data in (original, generated):
        if data is None:
            images.append(Image.new("RGB", (side, side), (235, 235, 235)))
            continue
        img: Image.Image = Image.open(io.BytesIO(data))
        img.draft("RGB", (side, side))
        img = img.convert("RGB")
        img.thumbnail((side, side))
        images.append(img)
    sheet = Image.new("RGB", (side * 2 + 6, side), (255, 255, 255))
    sheet.paste(images[0], (0, 0))
    sheet.paste(images[1], (side + 6, 0))
    out = io.BytesIO()
    sheet.save(out, "PNG", compress_level=1)
    return out.getvalue()


def _stand_in(blobs: BlobStore, item: OrderItem) -> tuple[bytes | None, str]:
    """What the photo pane shows once the photo is gone, and the sentence under it."""
    erased = erased_sentence(item)
    if erased:
        return None, erased[0].upper() + erased[1:] + "."
    likeness = _maybe(lambda: preview_png(blobs.get(likeness_key(item)), 400))
    if likeness is not None:
        return likeness, (
            "The photo is no longer kept: a redraw draws the child from this approved likeness."
        )
    if item.personalization.photo:
        return None, NEEDS_PHOTO[0].upper() + NEEDS_PHOTO[1:] + "."
    return None, ""


def load_detail(services: JobServices, item_id: str, with_pages: bool = True) -> DetailData:
    store, blobs = services.store, services.blobs
    item = store.get_item(item_id)
    book = store.item_book(item.id)
    checkpoints = ck.Checkpoints(blobs, item_id)
    data = DetailData(item, book.title, page_count=len(book.pages))
    data.original_cover = _maybe(lambda: preview_png(blobs.get(book.cover_image)))
    data.generated_cover = _maybe(lambda: preview_png(checkpoints.get(ck.COVER)))
    if item.personalization.photo:
        data.photo = _maybe(lambda: preview_png(blobs.get(item.personalization.photo), 400))
    if data.photo is None:
        data.photo, data.photo_note = _stand_in(blobs, item)
    if with_pages:
        for page in book.pages:
            original = _maybe(blobs.get, page.image)
            generated = _maybe(checkpoints.get, ck.page_name(page.index))
            if original is not None:
                data.pages.append((page.index, _pair(original, generated)))
    _, pdf_key = storage_keys(item)
    data.pdf = _maybe(blobs.get, pdf_key)
    data.pdf_label = "published PDF" if data.pdf else ""
    if data.pdf is None:
        data.pdf = _maybe(checkpoints.get, ck.PDF)
        data.pdf_label = "draft PDF (not published)" if data.pdf else ""
    sections = {
        "Cover analysis": checkpoints.get_json(ck.COVER_ANALYSIS),
        "Child analysis": checkpoints.get_json(ck.CHILD_ANALYSIS),
        "Prompts": checkpoints.get_json(ck.PROMPTS),
        "Operator instructions": checkpoints.get_json(ck.INSTRUCTIONS),
        "Provenance": checkpoints.get_json(ck.PROVENANCE),
    }
    data.sections = {title: value for title, value in sections.items() if value is not None}
    error = f"Error: {item.last_error}\n(at stage {item.stage.value if item.stage else '-'})\n\n"
    rows = [
        f"{h['at']:%Y-%m-%d %H:%M:%S}  {_actor(str(h['actor'])):<24} "
        f"{_words(str(h['action'])):<16} {_words(str(h['note'] or ''))}"
        for h in store.history(item_id)
    ]
    header = f"{'when':<19}  {'who':<24} {'what':<16} note"
    data.history = (error if item.last_error else "") + "\n".join([header, *rows] if rows else [])
    sent = [f"{'':20}{delivery_line(d)}" for d in store.deliveries(item_id)]
    if sent:
        data.history += "\n\nTelling the customer:\n" + "\n".join(sent)
    data.timeline = _maybe(item_timeline, store, item_id)
    for kind, name in (("interior", ck.PRINT_INTERIOR), ("cover", ck.PRINT_COVER)):
        printed = _maybe(checkpoints.get, name)
        if printed is not None:
            data.print_pdfs[kind] = printed
    data.preflight = checkpoints.get_json(ck.PREFLIGHT)
    data.print_urls = store.print_files(item_id) if data.print_pdfs else {}
    report = store.get_quality(item_id)
    data.quality = QualityReport.from_json(report) if report else None
    return data
