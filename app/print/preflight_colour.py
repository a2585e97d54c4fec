"""Preflight's reading of colour and standards: the colour spaces of pictures and of drawn
shapes and text (device RGB has no defined colour in a CMYK job: PDF/X-4 allows only
ICC-based RGB there), transparency wherever it hides (soft masks, alpha, transparency
groups, in form XObjects too), the output intent against the printer's condition, and a
PDF/X claim checked against what the standard requires rather than trusted."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pymupdf

from app.print.colour import output_intents
from app.print.pdf_open import MUPDF_ERRORS
from app.print.preflight_report import PreflightReport, Status
from app.print.profiles import PrinterProfile

_DEVICE_RGB_OPS = re.compile(rb"(?<![A-Za-z/])(?:rg|RG)(?![A-Za-z])|/DeviceRGB\s+(?:cs|CS)\b")
_ALPHA = re.compile(r"/(?:ca|CA) ?([0-9.]+)")
_REFS = re.compile(r"(\d+) 0 R")


INK_PERCENTILE = 99.5  # past JPEG ringing at edges and single stray pixels
INK_SHRINK = 2  # each side halved twice
_CMYK_FILL = re.compile(
    rb"(?<![\w.])(-?\d*\.?\d+)\s+(-?\d*\.?\d+)\s+(-?\d*\.?\d+)\s+(-?\d*\.?\d+)\s+[kK](?![\w])"
)


def total_ink(doc: pymupdf.Document, page: pymupdf.Page) -> float:
    """The page's total CMYK ink in percent: its pictures' own samples (not a rendering,
    which MuPDF would colour-manage through the output intent) and its CMYK fills."""
    worst = 0.0
    for xref, *_ in page.get_images(full=True):
        pix = pymupdf.Pixmap(doc, xref)
        if pix.n - pix.alpha != 4:
            continue
        pix.shrink(INK_SHRINK)  # ink lies on areas, not single pixels: 1 in 16 is plenty
        values = np.frombuffer(pix.samples, dtype=np.uint8).reshape(-1, pix.n)[:, :4]
        sums = values.astype(np.uint16).sum(axis=1)
        worst = max(worst, float(np.percentile(sums, INK_PERCENTILE)) / 255 * 100)
    for xref in [*page.get_contents(), *_forms(doc, _resources(doc, page.xref), set())]:
        data = doc.xref_stream(xref) or b""
        for match in _CMYK_FILL.finditer(data):
            worst = max(worst, sum(float(v) for v in match.groups()) * 100)
    return worst


@dataclass(frozen=True)
class Claim:
    version: str  # "" when the file claims no PDF/X
    missing: tuple[str, ...]  # what the claim needs and the file lacks


def _forms(doc: pymupdf.Document, resources: str, seen: set[int]) -> list[int]:
    """The form XObjects reachable from a resources dictionary's text, depth first."""
    found: list[int] = []
    match = re.search(r"/XObject\s*(<<.*?>>|\d+ 0 R)", resources, re.S)
    if not match:
        return found
    table = match.group(1)
    if table.endswith("R"):
        table = doc.xref_object(int(table.split()[0]))
    for ref in _REFS.findall(table):
        xref = int(ref)
        if xref in seen or doc.xref_get_key(xref, "Subtype")[1] != "/Form":
            continue
        seen.add(xref)
        found.append(xref)
        found += _forms(doc, doc.xref_object(xref), seen)
    return found


def _resources(doc: pymupdf.Document, xref: int) -> str:
    kind, value = doc.xref_get_key(xref, "Resources")
    if kind == "xref":
        return doc.xref_object(int(value.split()[0]))
    return value if kind == "dict" else ""


def _alpha_below_one(doc: pymupdf.Document, resources: str) -> bool:
    match = re.search(r"/ExtGState\s*(<<.*?>>>>|<<.*?>>|\d+ 0 R)", resources, re.S)
    if not match:
        return False
    states = match.group(1)
    if states.endswith("R"):
        states = doc.xref_object(int(states.split()[0]))
    texts = [states] + [doc.xref_object(int(n)) for n in _REFS.findall(states)]
    if any(re.search(r"/SMask\s*(?!/None)[<\d]", t) for t in texts):
        return True
    return any(float(v) < 1 for t in texts for v in _ALPHA.findall(t))


def has_transparency(doc: pymupdf.Document, page: pymupdf.Page) -> bool:
    """Soft masks on the pictures, an alpha below 1 or a soft mask in a graphics state, or a
    transparency group — on the page or inside any form XObject it draws."""
    for xref in [x[0] for x in page.get_images(full=True)]:
        if doc.xref_get_key(xref, "SMask")[0] != "null":
            return True
    holders = [page.xref, *_forms(doc, _resources(doc, page.xref), set())]
    for xref in holders:
        if xref != page.xref and "/Transparency" in doc.xref_get_key(xref, "Group")[1]:
            return True
        if _alpha_below_one(doc, _resources(doc, xref)):
            return True
    return False


def device_rgb_drawing(doc: pymupdf.Document, page: pymupdf.Page) -> bool:
    """Shapes or text painted in device RGB (the `rg`/`RG` operators, a DeviceRGB colour
    space), on the page or in its form XObjects."""
    streams = list(page.get_contents()) + _forms(doc, _resources(doc, page.xref), set())
    for xref in streams:
        try:
            data = doc.xref_stream(xref) or b""
        except MUPDF_ERRORS:
            continue
        if _DEVICE_RGB_OPS.search(data):
            return True
    return False


def pdfx_claim(doc: pymupdf.Document, header: bytes) -> Claim:
    """The PDF/X version the file claims and what of the standard's identification it
    lacks (ISO 15930-7 for X-4: PDF 1.6 at most, Trapped True or False in Info and XMP,
    the version in XMP too, one GTS_PDFX output intent with an embedded profile)."""
    kind, value = doc.xref_get_key(-1, "Info/GTS_PDFXVersion")
    version = value.strip("()") if kind == "string" else ""
    xmp = doc.get_xml_metadata() or ""
    in_xmp = re.search(r"GTS_PDFXVersion(?:>|=\")\s*(PDF/X-[0-9a-z:]+)", xmp)
    if not version and in_xmp:
        version = in_xmp.group(1)
    if not version:
        return Claim("", ())
    missing = []
    level = re.match(rb"%PDF-1\.(\d)", header)
    if version.startswith("PDF/X-4") and (level is None or int(level.group(1)) > 6):
        missing.append("a PDF 1.6 header or lower")
    if in_xmp is None or in_xmp.group(1) != version:
        missing.append("the version in its XMP metadata")
    trapped = doc.xref_get_key(-1, "Info/Trapped")[1]
    if trapped not in ("/True", "/False"):
        missing.append("Trapped set to True or False")
    if not re.search(r"pdf:Trapped(?:>|=\")\s*(True|False)", xmp):
        missing.append("Trapped in its XMP metadata")
    intents = doc.xref_get_key(doc.pdf_catalog(), "OutputIntents")
    refs = _REFS.findall(intents[1]) if intents[0] == "array" else []
    pdfx = [r for r in refs if doc.xref_get_key(int(r), "S")[1] == "/GTS_PDFX"]
    if len(pdfx) != 1:
        missing.append("exactly one GTS_PDFX output intent")
    elif doc.xref_get_key(int(pdfx[0]), "DestOutputProfile")[0] != "xref":
        missing.append("an embedded output profile")
    return Claim(version, tuple(missing))


# -- the verdicts ----------------------------------------------------------------------
def _pages_of(doc: pymupdf.Document) -> list[pymupdf.Page]:
    return [doc[n] for n in range(doc.page_count)]


def colour_verdicts(
    report: PreflightReport, doc: pymupdf.Document, pdf: bytes, profile: PrinterProfile
) -> None:
    spaces: set[str] = set()
    for page in _pages_of(doc):
        for info in page.get_image_info():
            spaces.add(str(info.get("cs-name") or info.get("colorspace")))
    want = profile.colour.space
    device = sorted(s for s in spaces if s in ("DeviceRGB", "3"))
    calibrated = sorted(s for s in spaces if "RGB" in s.upper() and s not in device)
    vectors = [p.number + 1 for p in _pages_of(doc) if device_rgb_drawing(doc, p)]
    listed = ", ".join(sorted(spaces)) or "no pictures"
    if want == "cmyk" and (device or vectors):
        said = []
        if device:
            said.append("pictures in device RGB")
        if vectors:
            said.append(f"shapes or text in device RGB on page(s) {_few(vectors)}")
        report.add(
            "colour",
            "fail",
            "; ".join(said) + ": device RGB has no defined colour in a CMYK job (PDF/X-4 "
            "allows only ICC-based RGB)",
        )
    elif calibrated and profile.forbid.rgb_images:
        report.add("colour", "fail", f"RGB pictures where the printer requires CMYK ({listed})")
    elif calibrated and want == "cmyk":
        report.add("colour", "warn", f"ICC-based RGB pictures; the printer prints CMYK ({listed})")
    else:
        report.add("colour", "pass", f"pictures in {listed}")
    _output_intent(report, output_intents(pdf), profile)
    limit = profile.colour.max_ink
    if want == "cmyk" and limit:
        worst = max((total_ink(doc, p), p.number + 1) for p in _pages_of(doc))
        report.add(
            "ink",
            "fail" if worst[0] > limit + 2 else "pass",
            f"total ink at most {worst[0]:.0f} % (page {worst[1]}); the printer takes "
            f"{limit:.0f} %",
        )


def _few(numbers: Sequence[int]) -> str:
    return ", ".join(map(str, numbers[:5])) + (" …" if len(numbers) > 5 else "")


def _output_intent(report: PreflightReport, intents: list[str], profile: PrinterProfile) -> None:
    want = profile.colour
    names = [n.lower() for n in (want.output_intent, want.condition_id or "") if n]
    severe: Status = "fail" if want.space == "cmyk" else "warn"
    if not intents:
        report.add("output_intent", severe, "no output intent")
    elif not any(name in said.lower() for said in intents for name in names):
        report.add(
            "output_intent",
            severe,
            f"output intent {', '.join(intents)}; the printer asks for {want.output_intent}",
        )
    else:
        report.add("output_intent", "pass", f"output intent: {', '.join(intents)}")


def forbidden_verdict(
    report: PreflightReport, doc: pymupdf.Document, profile: PrinterProfile
) -> None:
    annots = sum(len(list(page.annots())) for page in _pages_of(doc))
    forms = bool(doc.is_form_pdf)
    transparent = [page.number + 1 for page in _pages_of(doc) if has_transparency(doc, page)]
    found = []
    if annots and profile.forbid.annotations:
        found.append(f"{annots} annotation(s)")
    if forms and profile.forbid.forms:
        found.append("form fields")
    if transparent and profile.forbid.transparency:
        found.append(f"transparency on page(s) {_few(transparent)}")
    said = "none of what the printer forbids" if not found else "; ".join(found)
    if not found and transparent:
        said += f" (transparency on {len(transparent)} page(s), which the printer accepts)"
    report.add("forbidden", "fail" if found else "pass", said)


def standard_verdict(
    report: PreflightReport, doc: pymupdf.Document, pdf: bytes, profile: PrinterProfile
) -> None:
    claim = pdfx_claim(doc, pdf[:16])
    wanted = profile.pdf_standard
    if claim.version and claim.missing:
        report.add(
            "standard",
            "fail",
            f"the file claims {claim.version} but lacks " + ", ".join(claim.missing),
        )
    elif not wanted:
        said = f"the file is {claim.version}" if claim.version else "no PDF/X claim"
        report.add("standard", "pass", f"{said}; the printer names no PDF standard")
    elif claim.version:
        report.add(
            "standard",
            "pass" if claim.version == wanted else "fail",
            f"the file is {claim.version} (identification, output intent and boxes checked); "
            f"the printer asks for {wanted}",
        )
    else:
        report.add("standard", "fail", f"not {wanted}, which the printer asks for")
