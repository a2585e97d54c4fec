"""Colour for print. Profiles that want RGB get an sRGB output intent (the ICC profile
embedded, so every DeviceRGB colour in the file means sRGB); profiles that want CMYK get a
conversion by a real colour engine — Ghostscript's pdfwrite with an ICC output profile
(the shop's, e.g. Coated FOGRA39, set in PRESSROOM_CMYK_ICC, else Ghostscript's own
default CMYK profile, SWOP-like) — and that profile as the output intent. No PDF/X version
is ever written into a file: what a file is, preflight reports."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pymupdf
from PIL import ImageCms

from app.domain import PressroomError

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


def to_cmyk(
    pdf: bytes, icc: Path, condition: str, info: str | None = None, timeout: float = 300
) -> ColourResult:
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
        converted = _keep_boxes(pdf, target.read_bytes())
    tagged = add_output_intent(converted, icc.read_bytes(), 4, condition, info)
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


def for_profile(pdf: bytes, space: str, condition: str, cmyk_icc: Path | None) -> ColourResult:
    if space == "cmyk":
        icc = cmyk_profile(cmyk_icc)
        if cmyk_icc is not None:  # the shop's own profile for the printer's condition
            return to_cmyk(pdf, icc, condition)
        # Ghostscript's default is not the printer's condition: say what it is
        return to_cmyk(
            pdf, icc, "Custom", f"{icc.name} (Ghostscript's default CMYK, not {condition})"
        )
    return ColourResult(
        add_output_intent(pdf, srgb_icc(), 3, "sRGB IEC61966-2.1"), "sRGB output intent"
    )
