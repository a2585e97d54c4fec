"""Font descriptors as the PDF reference wants them: MuPDF writes the embedded fonts'
descriptors without /CapHeight, which PDF 1.7 (9.8.1) requires for every font but Type 3
and which print preflight tools flag. It is read from the embedded font itself: the height
of a capital letter above the baseline, in 1/1000 em."""

from __future__ import annotations

import io

import pymupdf
from PIL import ImageFont

CAPITALS = "HIEFTLO"


def cap_height(font: bytes, ascent: float) -> int:
    """The font's cap height in 1/1000 em; 70 % of its ascent if it has no capitals."""
    try:
        face = ImageFont.truetype(io.BytesIO(font), 1000)
    except OSError:
        return round(ascent * 0.7)
    for letter in CAPITALS:
        left, top, right, _ = face.getbbox(letter, anchor="ls")
        if right > left:
            return round(-top)
    return round(ascent * 0.7)


def with_cap_heights(pdf: bytes) -> bytes:
    """`pdf` with /CapHeight in every embedded TrueType or OpenType font descriptor."""
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        changed = False
        for xref in range(1, doc.xref_length()):
            if doc.xref_get_key(xref, "Type")[1] != "/FontDescriptor":
                continue
            if doc.xref_get_key(xref, "CapHeight")[0] != "null":
                continue
            for key in ("FontFile2", "FontFile3"):
                kind, ref = doc.xref_get_key(xref, key)
                if kind == "xref":
                    font = doc.xref_stream(int(ref.split()[0])) or b""
                    ascent = float(doc.xref_get_key(xref, "Ascent")[1] or 800)
                    doc.xref_set_key(xref, "CapHeight", str(cap_height(font, ascent)))
                    changed = True
                    break
        return doc.tobytes(garbage=3, deflate=True) if changed else pdf
