"""`pressroom bench --hostile-books`: the book-file door tried as hostile files would try
it — bundles that reach out of their folder, malformed or huge manifests, pictures that
are not pictures or hold 900 MP, PDFs that are encrypted, cut short, bombs, 1500 pages
long, or carry JavaScript and files. Each case is built fresh, imported (and, for a PDF,
preflighted) in its own process, and must end in one sentence naming the file — never an
unexpected error — within bounded memory. Printed: each case's outcome, the peak memory
of the worst, and the time of the slowest refusal."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.proving.hostile_files import (
    Builder,
    bomb_pdf,
    book_pdf,
    cut,
    deep,
    demo_bundle,
    duplicate_index,
    edit_manifest,
    field,
    fifo,
    garbage,
    huge_title,
    many_pages,
    page,
    pictures_folder,
    png_header,
    raw_manifest,
    replace_file,
    scripted,
    sparse_pdf,
    symlink_out,
    with_doc,
)

MEMORY_TARGET_MB = 400  # the worst case's peak resident memory, Python and MuPDF together


@dataclass(frozen=True)
class Case:
    name: str
    build: Builder
    refused: str  # a phrase the refusal must hold ("" = the import must succeed)
    preflight: str = ""  # for a PDF that imports or is refused: what preflight must say


CASES: tuple[Case, ...] = (
    Case("a valid bundle", demo_bundle, ""),
    Case("a valid PDF", lambda d: book_pdf(d / "book.pdf"), "", "preflight interior"),
    Case("page image with ../", page("image", "../outside.jpg"), "leaves the book's folder"),
    Case("page image with an absolute path", page("image", "/etc/passwd"), "absolute path"),
    Case(
        "cover image with an absolute path", field("cover_image", "/etc/hostname"), "absolute path"
    ),
    Case(
        "page file a symlink out of the folder", symlink_out, "link that leaves the book's folder"
    ),
    Case("page file a named pipe", fifo, "not a regular file"),
    Case("page file empty", replace_file("page-01.jpg", b""), "empty"),
    Case(
        "page file not an image",
        replace_file("page-01.jpg", b"#!/bin/sh\necho hi\n" * 50),
        "not an image",
    ),
    Case(
        "page file a 900 MP PNG", replace_file("page-01.jpg", png_header(30_000, 30_000)), "900 MP"
    ),
    Case("title_box a string", field("title_box", "abc"), "title_box"),
    Case("title_box of three numbers", field("title_box", [0.1, 0.1, 0.9]), "title_box"),
    Case(
        "a region with NaN", page("hero_regions", [[0.1, 0.1, float("nan"), 0.5]]), "finite number"
    ),
    Case("id with ../", field("id", "../../x"), "a book id is"),
    Case("id empty", field("id", ""), "a book id is"),
    Case("title a number", field("title", 42), "title"),
    Case("hero gender unknown", field("hero_gender", "robot"), "hero_gender"),
    Case("page index a string", page("index", "one"), "index"),
    Case("page text of 5000 characters", page("text", "Mia " * 1250), "2000 characters"),
    Case("title of 300 characters", field("title", "T" * 300), "200 characters"),
    Case("duplicate page indexes", duplicate_index, "appears twice"),
    Case("100,000 pages in book.json", many_pages, "100,000 pages"),
    Case("70 MB book.json (50 MB title)", huge_title, "the limit is 1.0 MB"),
    Case("100,000-deep nesting", deep, "nested too deeply"),
    Case("book.json not JSON", raw_manifest(b'{"title": '), "not valid JSON"),
    Case("book.json not UTF-8", raw_manifest(b"\xff\xfe{}"), "not UTF-8"),
    Case("book.json a list", raw_manifest(b"[1, 2, 3]"), "expected a JSON object"),
    Case(
        "bundle missing its cover field",
        lambda d: edit_manifest(d, lambda m: m.pop("cover_image")),
        "cover_image",
    ),
    Case(
        "bundle of another format",
        field("format", "someone-else/9"),
        "expected 'pressroom-book/1'",
    ),
    Case("text.txt of 2 MB", pictures_folder(b"Nora swam.\n\n" * 180_000), "the limit is 1.0 MB"),
    Case("text.txt not UTF-8", pictures_folder(b"\xff\xfe\x00N\x00o"), "not UTF-8"),
    Case(
        "text.txt paragraph of 5000 characters",
        pictures_folder(b"Nora " * 1000 + b"\n\nNora\n\nNora"),
        "2,000",
    ),
    Case(
        "PDF locked with a password",
        lambda d: with_doc(
            d / "locked.pdf", lambda _: None, encryption=4, user_pw="u", owner_pw="o"
        ),
        "locked with a password",
        "locked with a password",
    ),
    Case(
        "PDF encrypted by its owner",
        lambda d: with_doc(
            d / "owner.pdf", lambda _: None, encryption=4, owner_pw="o", permissions=0
        ),
        "",
        "encrypted",
    ),
    Case("PDF cut at 95 %", cut(0.95), "damaged", "damaged"),
    Case("PDF cut at 50 %", cut(0.50), "damaged", "damaged"),
    Case("PDF header then garbage", garbage, "PDF"),
    Case(
        "PDF with a 30000×30000 picture",
        lambda d: bomb_pdf(d / "bomb.pdf"),
        "900 MP",
        "preflight interior",  # read without decoding the picture
    ),
    Case(
        "PDF of 1500 pages",
        lambda d: book_pdf(d / "long.pdf", 1500, art_px=0),
        "1,501 pages; the printer takes at most a cover and 590",
        "1,501 pages; the printer takes at most 590",
    ),
    Case(
        "PDF with 200-inch pages",
        lambda d: book_pdf(d / "wide.pdf", side_pt=14_400, art_px=0),
        "MP",
    ),
    Case(
        "PDF with JavaScript and an .exe",
        lambda d: with_doc(d / "scripted.pdf", scripted),
        "",
        "JavaScript",
    ),
    Case("PDF of 700 MB", sparse_pdf, "the limit is 650 MB"),
)


# -- running ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool  # the case ended as it must
    said: str
    seconds: float
    peak_mb: float


def try_case(case: Case, path: Path, into: Path) -> tuple[bool, str]:
    """Import the case's file at `path` (and preflight a PDF) as `pressroom book import`
    does; whether it ended as it must, and what was said."""
    from app.catalog.importing import read_source
    from app.catalog.intake import IntakeLimits
    from app.catalog.validate import catalog_spec
    from app.config import Settings
    from app.domain import BadInput

    settings = Settings(print_profile="kdp-paperback-8.5x8.5", data_dir=into / "data")
    said = ""
    try:
        files = read_source(path, catalog_spec(settings), IntakeLimits.from_settings(settings))
        said = f"imported: {len(files.book.pages)} pages"
        imported = True
    except BadInput as exc:
        said, imported = str(exc), False
    refused_well = (
        not imported and case.refused in said and (str(path.name) in said or path.name in said)
    )
    ok = imported if not case.refused else refused_well
    if case.preflight and path.suffix == ".pdf":
        ok = ok and case.preflight in (said := said + " | " + _preflight(path))
    return ok, said


def _preflight(path: Path) -> str:
    from app.domain import BadInput
    from app.imageio import MB, read_capped
    from app.print.preflight import preflight
    from app.print.profiles import load_profile

    profile = load_profile("kdp-paperback-8.5x8.5")
    try:
        data = read_capped(path, round(profile.max_file_mb * MB), "the PDF")
        report = preflight(data, profile, "interior", name=path.name)
    except BadInput as exc:
        return str(exc)
    failed = [f"{v.check}: {v.sentence}" for v in report.verdicts if v.status == "fail"]
    return report.summary() + ("; " + "; ".join(failed) if failed else "")


def _run_one(name: str, path: Path, into: Path) -> dict[str, Any]:
    case = next(c for c in CASES if c.name == name)
    start = time.perf_counter()
    ok, said = try_case(case, path, into)
    return {"ok": ok, "said": said, "seconds": time.perf_counter() - start, "peak_mb": peak_mb()}


def peak_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM starts afresh at exec; getrusage's
    maxrss does not (a child started from a large parent reports the parent's size)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_isolated(case: Case, into: Path) -> Outcome:
    """The case built in one process and tried in another, so that the peak memory is the
    import's own (a child's peak starts from its parent's size at fork)."""
    into.mkdir(parents=True, exist_ok=True)
    module = [sys.executable, "-m", "app.proving.hostile_books"]
    built = subprocess.run(
        [*module, "build", case.name, str(into)], capture_output=True, text=True, check=True
    )
    path = built.stdout.strip().splitlines()[-1]
    done = subprocess.run(
        [*module, "try", case.name, path, str(into)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return Outcome(case.name, False, f"crashed (exit {done.returncode}): {tail[0]}", 0, 0)
    data = json.loads(lines[-1])
    stray = lines[:-1]  # anything MuPDF or the import printed itself
    said = data["said"] + (f" [printed: {stray[0][:60]}]" if stray else "")
    return Outcome(case.name, data["ok"] and not stray, said, data["seconds"], data["peak_mb"])


def run_hostile_bench(scratch: Path | None = None) -> int:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="pressroom-hostile-") as tmp:
        root = scratch or Path(tmp)
        outcomes = [run_isolated(c, root / f"case-{n:02d}") for n, c in enumerate(CASES)]
    for o in outcomes:
        mark = "ok  " if o.ok else "FAIL"
        print(f"{mark} {o.name:<40} {o.seconds:6.2f} s {o.peak_mb:6.0f} MB  {o.said[:150]}")
    worst = max(outcomes, key=lambda o: o.peak_mb)
    refusals = [o for o, c in zip(outcomes, CASES, strict=True) if c.refused]
    slowest = max(refusals, key=lambda o: o.seconds)
    good = sum(o.ok for o in outcomes)
    print(f"\n{good} of {len(outcomes)} cases ended as they must")
    print(
        f"peak memory of the worst case: {worst.peak_mb:.0f} MB ({worst.name}); "
        f"target {MEMORY_TARGET_MB} MB"
    )
    print(f"slowest refusal: {slowest.seconds:.2f} s ({slowest.name})")
    return 0 if good == len(outcomes) and worst.peak_mb <= MEMORY_TARGET_MB else 1


if __name__ == "__main__":
    if sys.argv[1] == "build":
        print(next(c for c in CASES if c.name == sys.argv[2]).build(Path(sys.argv[3])))
    else:
        print(json.dumps(_run_one(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))))
