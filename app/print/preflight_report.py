"""Preflight's report: one verdict per check — pass, warn or fail, with a sentence an
operator can act on — as text for the terminal and JSON for the quality report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["pass", "warn", "fail"]
Kind = Literal["interior", "cover"]


@dataclass(frozen=True)
class Verdict:
    check: str
    status: Status
    sentence: str


@dataclass
class PreflightReport:
    profile: str
    kind: Kind
    verdicts: list[Verdict] = field(default_factory=list)

    def add(self, check: str, status: Status, sentence: str) -> None:
        self.verdicts.append(Verdict(check, status, sentence))

    @property
    def passed(self) -> bool:
        return all(v.status != "fail" for v in self.verdicts)

    def summary(self) -> str:
        counts = {s: sum(v.status == s for v in self.verdicts) for s in ("pass", "warn", "fail")}
        tally = f"{counts['pass']} pass, {counts['warn']} warn, {counts['fail']} fail"
        return f"preflight {self.kind}: {tally}"

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "kind": self.kind,
            "summary": self.summary(),
            "passed": self.passed,
            "verdicts": [asdict(v) for v in self.verdicts],
        }

    def text(self) -> str:
        marks = {"pass": "ok  ", "warn": "WARN", "fail": "FAIL"}
        lines = [self.summary()]
        lines += [f"  {marks[v.status]} {v.check:<14} {v.sentence}" for v in self.verdicts]
        return "\n".join(lines)
