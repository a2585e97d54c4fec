"""Colour for print. Profiles that want RGB get an sRGB output intent (the ICC profile
embedded, so every DeviceRGB colour in the file means sRGB); profiles that want CMYK get a
conversion by a real colour engine — LittleCMS (app/print/cmyk.py) with an ICC output
profile: the shop's (PRESSROOM_CMYK_ICC), else the one the printer profile names and
Pressroom ships (resources/print/icc/), else Ghostscript's default CMYK profile (SWOP-like,
said as "Custom"). Neutral greys and black become K alone, so text prints in black ink
only. A profile that asks for PDF/X-4 gets it for real (app/print/pdfx.py): the
identification in Info and XMP, the registered output condition with its profile."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import as_file
from pathlib import Path

import pymupdf

from app.assets import resource
from app.domain import PressroomError
from app.print.cmyk import to_device_cmyk
from app.print.pdfx import as_pdfx4
from app.print.profiles import Colour, PrinterProfile

GHOSTSCRIPT_ICC_DIRS = (
    Path("/usr/share/color/icc/ghostscript"),
    Path("/usr/local/share/ghostscript/iccprofiles"),
)


@dataclass(frozen=True)
class ColourResult:
    pdf: bytes
    description: str  # what was done, in words, for the report


def srgb_icc() -> bytes:
    """An ICC v2 sRGB profile (resources/print/icc/README.md says where it is from)."""
    return resource("print", "icc", "sRGB-v2.icc").read_bytes()


def add_output_intent(
    pdf: bytes, icc: bytes, components: int, condition: str, info: str | None = None
) -> bytes:
    """`pdf` with an output intent whose destination profile is `icc`."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        stream = doc.get_new_xref()
        doc.update_object(stream, f"<< /N {components} >>")
        doc.update_stream(stream, icc)
        intent = doc.get_new_xref()
        name, said = pymupdf.get_pdf_str(condition), pymupdf.get_pdf_str(info or condition)
        doc.update_object(
            intent,
            f"<< /Type /OutputIntent /S /GTS_PDFX /OutputConditionIdentifier {name} "
            f"/Info {said} /DestOutputProfile {stream} 0 R >>",
        )
        doc.xref_set_key(doc.pdf_catalog(), "OutputIntents", f"[{intent} 0 R]")
        return doc.tobytes(garbage=3, deflate=True)


def output_intents(pdf: bytes) -> list[str]:
    """The output conditions a file declares."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        kind, value = doc.xref_get_key(doc.pdf_catalog(), "OutputIntents")
        if kind == "null":
            return []
        found = []
        for ref in value.strip("[]").split(" R"):
            parts = ref.split()
            if len(parts) >= 2 and parts[0].isdigit():
                _, condition = doc.xref_get_key(int(parts[0]), "OutputConditionIdentifier")
                _, info = doc.xref_get_key(int(parts[0]), "Info")
                said = condition.strip("()")
                if info.strip("()") and info.strip("()") != said:
                    said += f" — {info.strip('()')}"
                found.append(said)
        return found


def cmyk_profile(configured: Path | None) -> Path:
    if configured is not None:
        if not configured.is_file():
            raise PressroomError(f"PRESSROOM_CMYK_ICC {configured}: no such ICC profile")
        return configured
    for folder in GHOSTSCRIPT_ICC_DIRS:
        if (folder / "default_cmyk.icc").is_file():
            return folder / "default_cmyk.icc"
    raise PressroomError(
        "no CMYK ICC profile: set PRESSROOM_CMYK_ICC to the printer's (e.g. Coated FOGRA39), "
        "or install Ghostscript's (apt-get install ghostscript)"
    )


def converted(pdf: bytes, icc: Path) -> bytes:
    """`pdf` in DeviceCMYK through `icc` (LittleCMS), its greys K-only, its boxes kept."""
    return _keep_boxes(pdf, to_device_cmyk(pdf, icc))


def to_cmyk(pdf: bytes, icc: Path, condition: str, info: str | None = None) -> ColourResult:
    tagged = add_output_intent(converted(pdf, icc), icc.read_bytes(), 4, condition, info)
    said = f"converted to CMYK with {icc.name} (LittleCMS); output intent: {info or condition}"
    return ColourResult(tagged, said)


def _keep_boxes(original: bytes, converted: bytes) -> bytes:
    """Trim and bleed boxes as they were (a conversion must not move the printer's marks)."""
    with (
        pymupdf.open(stream=original, filetype="pdf") as before,
        pymupdf.open(stream=converted, filetype="pdf") as after,
    ):
        for a, b in zip(before, after, strict=True):
            b.set_mediabox(a.mediabox)
            b.set_bleedbox(a.bleedbox)
            b.set_trimbox(a.trimbox)
        return after.tobytes(garbage=3, deflate=True)


def shipped_profile(colour: Colour) -> Path | None:
    """The output profile Pressroom ships for the printer's condition, if any."""
    if not colour.icc:
        return None
    with as_file(resource("print", *colour.icc.split("/"))) as path:
        return Path(path)


def for_profile(pdf: bytes, profile: PrinterProfile, cmyk_icc: Path | None) -> ColourResult:
    colour = profile.colour
    condition = colour.output_intent
    if colour.space != "cmyk":
        return ColourResult(
            add_output_intent(pdf, srgb_icc(), 3, "sRGB IEC61966-2.1"), "sRGB output intent"
        )
    shipped = shipped_profile(colour)
    if cmyk_icc is None and shipped is not None:  # the printer's own condition
        made = converted(pdf, shipped)
        said = f"converted to CMYK with {shipped.name} (LittleCMS; {condition})"
        if profile.pdf_standard == "PDF/X-4":
            identifier = colour.condition_id or condition
            return ColourResult(as_pdfx4(made, shipped.read_bytes(), identifier, condition),
                                said + "; PDF/X-4")  # fmt: skip
        identifier = colour.condition_id or condition
        tagged = add_output_intent(made, shipped.read_bytes(), 4, identifier, condition)
        return ColourResult(tagged, said)
    icc = cmyk_profile(cmyk_icc)
    if cmyk_icc is not None:  # the shop's own profile for the printer's condition
        return to_cmyk(pdf, icc, condition)
    # Ghostscript's default is not the printer's condition: say what it is
    return to_cmyk(pdf, icc, "Custom", f"{icc.name} (Ghostscript's default CMYK, not {condition})")
