"""PDF/X-4 (ISO 15930-7) identification for a file already in the printer's colour: PDF 1.6,
the Info keys (Title, dates, Trapped False, GTS_PDFXVersion), the same in XMP (pdfxid,
pdf:Trapped, dc:title, xmp dates, xmpMM ids), and one GTS_PDFX output intent naming the
registered condition (http://www.color.org) with its profile embedded. Ghostscript cannot
write X-4 (its -dPDFX makes X-3), so the tags are added after its conversion. Sources:
https://www.prepressure.com/pdf/basics/pdfx-4 and the ICC registry
https://color.org/registryoverview04.xalter; preflight checks each of these back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from xml.sax.saxutils import escape

import pymupdf

REGISTRY = "http://www.color.org"
VERSION = "PDF/X-4"


def _xmp(title: str, created: str, now: str) -> str:
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">
 <dc:format>application/pdf</dc:format>
 <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
 <xmp:CreateDate>{created}</xmp:CreateDate><xmp:ModifyDate>{now}</xmp:ModifyDate>
 <xmp:MetadataDate>{now}</xmp:MetadataDate><xmp:CreatorTool>Pressroom</xmp:CreatorTool>
 <pdf:Producer>Pressroom</pdf:Producer><pdf:Trapped>False</pdf:Trapped>
 <pdfxid:GTS_PDFXVersion>{VERSION}</pdfxid:GTS_PDFXVersion>
 <xmpMM:DocumentID>uuid:{uuid.uuid4()}</xmpMM:DocumentID>
 <xmpMM:InstanceID>uuid:{uuid.uuid4()}</xmpMM:InstanceID>
 <xmpMM:VersionID>1</xmpMM:VersionID><xmpMM:RenditionClass>default</xmpMM:RenditionClass>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>"""


def as_pdfx4(pdf: bytes, icc: bytes, condition_id: str, condition: str) -> bytes:
    """`pdf` (CMYK, TrimBox and BleedBox on every page) identified as PDF/X-4 for the
    registered `condition_id` (e.g. "CGATS TR 006") with `icc` as its output profile."""
    now = datetime.now(UTC).replace(microsecond=0)
    stamp = now.strftime("D:%Y%m%d%H%M%S+00'00'")
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        meta = doc.metadata or {}
        title = meta.get("title") or "Untitled"
        kept = {k: v for k, v in meta.items() if v and k in ("author", "subject", "creator")}
        doc.set_metadata(
            {
                **kept,
                "title": title,
                "creationDate": stamp,
                "modDate": stamp,
                "producer": "Pressroom",
            }
        )
        info = int(doc.xref_get_key(-1, "Info")[1].split()[0])
        doc.xref_set_key(info, "Trapped", "/False")  # a name, not a string
        doc.xref_set_key(info, "GTS_PDFXVersion", pymupdf.get_pdf_str(VERSION))
        doc.set_xml_metadata(_xmp(title, now.isoformat(), now.isoformat()))
        profile = doc.get_new_xref()
        doc.update_object(profile, "<< /N 4 >>")
        doc.update_stream(profile, icc)
        intent = doc.get_new_xref()
        s = pymupdf.get_pdf_str
        doc.update_object(
            intent,
            f"<< /Type /OutputIntent /S /GTS_PDFX /OutputConditionIdentifier {s(condition_id)} "
            f"/OutputCondition {s(condition)} /Info {s(condition)} /RegistryName {s(REGISTRY)} "
            f"/DestOutputProfile {profile} 0 R >>",
        )
        doc.xref_set_key(doc.pdf_catalog(), "OutputIntents", f"[{intent} 0 R]")
        data = doc.tobytes(garbage=3, deflate=True)
    if not data.startswith(b"%PDF-1."):
        raise ValueError("not a PDF header")
    return b"%PDF-1.6" + data[8:]  # the same length: every offset stays right
