"""The Analysis tab: what the model saw and was asked, as swatches and sentences an operator
reads, with the raw JSON one click away."""

from __future__ import annotations

import html
import json
from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)


def _clause(*parts: str) -> str:
    return ", ".join(p for p in parts if p)


def _where(box: list[float] | None) -> str:
    if not box or len(box) != 4:
        return ""
    x = (box[0] + box[2]) / 2
    y = (box[1] + box[3]) / 2
    across = "on the left" if x < 0.38 else "on the right" if x > 0.62 else "in the middle"
    height = "near the top" if y < 0.38 else "low down" if y > 0.62 else "halfway up"
    return f"{across}, {height}"


def _swatches(colours: list[str], names: list[str], per_row: int = 4) -> str:
    """The palette, shades of one name together under that name once ("navy" for four
    navies, not "navy, navy, navy, navy")."""
    # names only when there is one per colour (older analyses listed each name once)
    labels = names if len(names) == len(colours) else colours
    shades: dict[str, list[str]] = {}
    for colour, name in zip(colours, labels, strict=True):
        shades.setdefault(name, []).append(colour)
    cells = [
        "".join(
            f'<td bgcolor="{html.escape(c)}" width="{30 if len(cs) == 1 else 16}" height="24">'
            "&nbsp;</td>"
            for c in cs
        )
        + f'<td style="white-space: nowrap">&nbsp;{html.escape(n)}&nbsp;&nbsp;</td>'
        for n, cs in shades.items()
    ]
    rows = ["".join(cells[i : i + per_row]) for i in range(0, len(cells), per_row)]
    return (
        f'<table cellspacing="2">{"".join(f"<tr>{r}</tr>" for r in rows)}</table>' if rows else ""
    )


def cover_html(cover: dict[str, Any]) -> str:
    style, medium = cover.get("art_style", ""), cover.get("medium", "")
    if medium and medium.lower() not in style.lower():  # "watercolor, watercolor" reads badly
        style = _clause(style, medium)
    mood = _clause(
        f"{cover['mood']} mood" if cover.get("mood") else "",
        f"{cover['lighting']} light" if cover.get("lighting") else "",
    )
    hero = _clause(_where(cover.get("hero_position")), cover.get("hero_pose", ""))
    lines = [
        f"<p>The original cover's style: <b>{html.escape(style or 'not named')}</b>"
        f"{'; ' + html.escape(mood) if mood else ''}.</p>",
        _swatches(cover.get("palette", []), cover.get("palette_names", [])),
    ]
    if cover.get("composition"):
        lines.append(f"<p>Composition: {html.escape(cover['composition'])}.</p>")
    if hero:
        lines.append(f"<p>The hero stands {html.escape(hero)}.</p>")
    if cover.get("text_placement"):
        lines.append(f"<p>Title: {html.escape(cover['text_placement'])}.</p>")
    return "".join(lines)


def child_html(child: dict[str, Any]) -> str:
    hair = " ".join(p for p in (child.get("hair_color", ""), child.get("hair_style", "")) if p)
    looks = _clause(
        f"looks {child['apparent_age']}" if child.get("apparent_age") else "",
        f"has {hair} hair" if hair else "",
        f"{child['eye_color']} eyes" if child.get("eye_color") else "",
        f"{child['skin_tone']} skin" if child.get("skin_tone") else "",
    )
    text = f"<p>The child {html.escape(looks or 'was not described')}"
    if child.get("expression"):
        text += f"; expression: {html.escape(child['expression'])}"
    text += ".</p>"
    features = child.get("distinguishing_features") or []
    if features:
        text += f"<p>Noticeable: {html.escape(', '.join(features))}.</p>"
    return text


def _text(value: str) -> str:
    return html.escape(value).replace("\n", "<br>")


def prompts_html(prompts: dict[str, Any]) -> str:
    """The cover's prompt, then each page's (pages come as a mapping of page number to prompt)."""
    parts = []
    for name, prompt in prompts.items():
        if isinstance(prompt, dict):
            for page, text in prompt.items():
                label = f"{name} {page}" if name != "pages" else f"page {page}"
                parts.append(f"<p><b>{html.escape(label)}</b><br>{_text(str(text))}</p>")
        else:
            parts.append(f"<p><b>{html.escape(str(name))}</b><br>{_text(str(prompt))}</p>")
    return "".join(parts)


def provenance_html(provenance: dict[str, Any]) -> str:
    usage = provenance.get("usage_total") or {}
    facts = _clause(
        f"provider {provenance['provider']}" if provenance.get("provider") else "",
        f"model {provenance['model']}" if provenance.get("model") else "",
        f"{usage['calls']} AI calls" if usage.get("calls") else "",
        f"cost ${usage['cost_usd']:.3f}" if "cost_usd" in usage else "",
    )
    return f"<p>{html.escape(facts)}.</p>" if facts else ""


def analysis_html(sections: dict[str, Any]) -> str:
    """Readable HTML for the item's analyses, prompts and provenance (any may be missing)."""
    render = {
        "Cover analysis": cover_html,
        "Child analysis": child_html,
        "Prompts": prompts_html,
        "Provenance": provenance_html,
    }
    parts = [
        f"<h3>{title}</h3>{render[title](value)}"
        for title, value in sections.items()
        if title in render and isinstance(value, dict) and value
    ]
    return "".join(parts) or "<p>No analysis yet: the book has not been analyzed.</p>"


class AnalysisView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.readable = QTextBrowser()
        self.raw = QPlainTextEdit()
        self.raw.setReadOnly(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.readable)
        self.stack.addWidget(self.raw)
        self.toggle = QPushButton("Show &JSON")
        self.toggle.setCheckable(True)
        self.toggle.toggled.connect(self._switch)
        bar = QHBoxLayout()
        bar.addStretch(1)
        bar.addWidget(self.toggle)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)

    def _switch(self, raw: bool) -> None:
        self.stack.setCurrentIndex(1 if raw else 0)
        self.toggle.setText("Show &readable" if raw else "Show &JSON")

    def show_sections(self, sections: dict[str, Any]) -> None:
        self.readable.setHtml(analysis_html(sections))
        self.raw.setPlainText(
            "\n\n".join(
                f"== {title} ==\n{json.dumps(value, indent=2, default=str)}"
                for title, value in sections.items()
                if value is not None
            )
            or "No analysis yet."
        )
