"""Colour for print. Profiles that want RGB get an sRGB output intent (the ICC profile
embedded, so every DeviceRGB colour in the file means sRGB); profiles that want CMYK get a
conversion by a real colour engine — Ghostscript's pdfwrite with an ICC output profile:
the shop's (PRESSROOM_CMYK_ICC), else the one the printer profile names and Pressroom
ships (resources/print/icc/), else Ghostscript's default CMYK (SWOP-like, said as
"Custom"). Neutral greys and black are made K-only first, so text prints in black ink
alone. A profile that asks for PDF/X-4 gets it for real (app/print/pdfx.py): the
identification in Info and XMP, the registered output condition with its profile."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib.resources import as_file
from pathlib import Path

import pymupdf
from PIL import ImageCms

from app.assets import resource
from app.domain import PressroomError
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
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return bytes(profile.tobytes())


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


def neutral_to_k(pdf: bytes) -> bytes:
    """Neutral RGB and grey fill and stroke colours as K-only CMYK (`0 0 0 k`), in the pages
    and their form XObjects: Ghostscript keeps DeviceCMYK as it is, but would make RGB
    black a four-colour black (C72 M67 Y67 K88 with its default profile)."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        streams: set[int] = set()
        for page in doc:
            streams.update(page.get_contents())
            streams.update(x[0] for x in page.get_xobjects() if x[0] > 0)
        for xref in sorted(streams):
            if not doc.xref_is_stream(xref) or doc.xref_get_key(xref, "Subtype")[1] == "/Image":
                continue
            data = doc.xref_stream(xref) or b""
            rewritten = _NEUTRAL_RGB.sub(_as_k, _GREY.sub(_as_k, data))
            if rewritten != data:
                doc.update_stream(xref, rewritten)
        return doc.tobytes(garbage=3, deflate=True)


_NUMBER = rb"(-?\d*\.?\d+)"
_NEUTRAL_RGB = re.compile(
    rb"(?<![\w.])" + _NUMBER + rb"\s+" + _NUMBER + rb"\s+" + _NUMBER + rb"\s+(rg|RG)(?![\w])"
)
_GREY = re.compile(rb"(?<![\w.])" + _NUMBER + rb"\s+(g|G)(?![\w])")


def _as_k(match: re.Match[bytes]) -> bytes:
    *values, op = match.groups()
    levels = [float(v) for v in values]
    if max(levels) - min(levels) > 1e-6:  # a colour: Ghostscript converts it
        return match.group(0)
    k = round(1 - levels[0], 4)
    return f"0 0 0 {k:g} {'k' if op.islower() else 'K'}".encode()


def _ghostscript(pdf: bytes, icc: Path, timeout: float) -> bytes:
    gs = shutil.which("gs")
    if gs is None:
        raise PressroomError(
            "CMYK output needs Ghostscript, which is not installed here "
            "(apt-get install ghostscript, or choose a printer profile that takes RGB)"
        )
    with tempfile.TemporaryDirectory(prefix="pressroom-cmyk-") as tmp:
        source, target = Path(tmp) / "in.pdf", Path(tmp) / "out.pdf"
        source.write_bytes(pdf)
        command = [
            gs, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite",
            "-sColorConversionStrategy=CMYK", "-sProcessColorModel=DeviceCMYK",
            f"-sOutputICCProfile={icc}", "-dAutoRotatePages=/None",
            f"-sOutputFile={target}", str(source),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0 or not target.is_file():
            raise PressroomError(
                f"Ghostscript could not convert to CMYK: {done.stderr.strip()[:300]}"
            )
        return target.read_bytes()


def converted(pdf: bytes, icc: Path, timeout: float = 300) -> bytes:
    """`pdf` in DeviceCMYK through `icc`, its greys K-only, its boxes kept."""
    return _keep_boxes(pdf, _ghostscript(neutral_to_k(pdf), icc, timeout))


def to_cmyk(pdf: bytes, icc: Path, condition: str, info: str | None = None) -> ColourResult:
    tagged = add_output_intent(converted(pdf, icc), icc.read_bytes(), 4, condition, info)
    said = f"converted to CMYK by Ghostscript with {icc.name}; output intent: {info or condition}"
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
        said = f"converted to CMYK by Ghostscript with {shipped.name} ({condition})"
        if profile.pdf_standard == "PDF/X-4":
            identifier = colour.condition_id or condition
            return ColourResult(as_pdfx4(made, shipped.read_bytes(), identifier, condition),
                                said + "; PDF/X-4")  # fmt: skip
        return ColourResult(add_output_intent(made, shipped.read_bytes(), 4, condition), said)
    icc = cmyk_profile(cmyk_icc)
    if cmyk_icc is not None:  # the shop's own profile for the printer's condition
        return to_cmyk(pdf, icc, condition)
    # Ghostscript's default is not the printer's condition: say what it is
    return to_cmyk(pdf, icc, "Custom", f"{icc.name} (Ghostscript's default CMYK, not {condition})")
