"""What the quality gate found: one `Check` per test per target (the cover, a page, the
PDF), kept as JSON with the item's artifacts, summarised for the order table."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


class BlockingRule(Protocol):
    def is_blocking(self, check: str) -> bool: ...


# What each check is called on screen (the stored names are the report's contract)
CHECK_WORDS = {
    "composition": "composition",
    "hero_changed": "hero redrawn",
    "resolution": "resolution",
    "likeness": "likeness",
    "style": "art style",
    "defects": "defects",
    "judge": "judge",
    "pdf_boxes": "PDF page boxes",
    "pdf_pages": "PDF pages",
    "pdf_hero_name": "hero's name gone",
    "pdf_child_name": "child's name in text",
    "pdf_glyphs": "every letter printable",
    "pdf_safe_area": "text in safe area",
    "pdf_type_size": "type size",
}


@dataclass(frozen=True)
class Check:
    name: str  # "composition", "hero_changed", "likeness", "style", "defects", "resolution",
    # "pdf_hero_name", "pdf_child_name", "pdf_glyphs", "pdf_safe_area", "pdf_type_size", …
    target: str  # "cover", "page 3" or "pdf"
    passed: bool
    sentence: str  # what an operator reads: the finding, in words
    score: float | None = None
    threshold: float | None = None
    blocking: bool = True  # a failed blocking check sends the book to review

    @property
    def words(self) -> str:
        return CHECK_WORDS.get(self.name, self.name.replace("_", " "))

    @property
    def score_words(self) -> str:
        """The score as read: pixels per inch whole, the rest to two decimals."""
        if self.score is None:
            return ""
        return f"{self.score:.0f}" if self.name == "resolution" else f"{self.score:.2f}"

    @property
    def page(self) -> int | None:
        """The page number of a page check (the cover is 0), else None."""
        if self.target == "cover":
            return 0
        if self.target.startswith("page "):
            return int(self.target.split()[1])
        return None


def check(
    name: str,
    target: str,
    passed: bool,
    sentence: str,
    settings: BlockingRule,
    score: float | None = None,
    threshold: float | None = None,
) -> Check:
    """A Check whose `blocking` follows the settings (PRESSROOM_QUALITY_BLOCKING)."""
    return Check(name, target, passed, sentence, score, threshold, settings.is_blocking(name))


PRINT_TARGETS = ("interior", "cover spread")  # preflight's checks on the print files


@dataclass
class QualityReport:
    checks: list[Check] = field(default_factory=list)
    judge_words: dict[str, str] = field(default_factory=dict)  # target -> the judge's reasons

    def add(self, checks: list[Check]) -> None:
        self.checks.extend(checks)

    @property
    def failed(self) -> list[Check]:
        """The checks that send the book to review."""
        return [c for c in self.checks if c.blocking and not c.passed]

    @property
    def passed(self) -> bool:
        return not self.failed

    def doubtful_pages(self) -> list[int]:
        """Pages (0: the cover) with a failed blocking check, in order."""
        return sorted({c.page for c in self.failed if c.page is not None})

    def summary(self) -> str:
        """The badge in the order table: "passed", "2 pages doubtful", "PDF doubtful"."""
        if self.passed:
            return "passed"
        parts = []
        pages = self.doubtful_pages()
        if pages:
            cover = 0 in pages
            others = len(pages) - cover
            if cover:
                parts.append("cover")
            if others:
                parts.append(f"{others} page{'s' * (others != 1)}")
        if any(c.target == "pdf" for c in self.failed):
            parts.append("PDF")
        if any(c.target in PRINT_TARGETS for c in self.failed):
            parts.append("print files")
        return " + ".join(parts) + " doubtful"

    def reason(self) -> str:
        """Why the book waits for review: the failed checks, one sentence each."""
        return "; ".join(f"{c.target}: {c.sentence}" for c in self.failed)

    def for_target(self, target: str) -> list[Check]:
        return [c for c in self.checks if c.target == target]

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "passed": self.passed,
            "checks": [asdict(c) for c in self.checks],
            "judge_words": self.judge_words,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QualityReport:
        return cls([Check(**c) for c in data.get("checks", [])], dict(data.get("judge_words", {})))

    def text(self) -> str:
        """The report as lines, for `pressroom check` and the console."""
        lines = [f"quality: {self.summary()}"]
        for check in self.checks:
            mark = "ok  " if check.passed else ("FAIL" if check.blocking else "warn")
            figure = ""
            if check.score is not None:
                figure = f" ({check.score:.3g}"
                figure += f" vs {check.threshold:.3g})" if check.threshold is not None else ")"
            lines.append(f"  {mark} {check.target:<8} {check.name:<15}{figure} {check.sentence}")
        for target, words in self.judge_words.items():
            lines.append(f"  judge on {target}: {words}")
        return "\n".join(lines)


def dumps(report: QualityReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False)
