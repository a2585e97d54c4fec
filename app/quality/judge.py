"""The judge step: the provider says whether a generated image shows the child, in the
original's style, without defects; this turns its verdict into checks an operator reads.

A judge that cannot answer (blocked, refused, malformed twice, unreachable after the
retries, over the item's budget) never lets the image pass: it becomes one failed "judge"
check saying why, and the page is doubtful. The one exception is a paused queue (a spent
daily quota, a rejected key): that is re-raised, so the job stops and resumes the way it
does for any other call, and the judge is asked again then.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from app.ai.provider import Defect, JudgeTask, JudgeVerdict, Provider
from app.config import Settings
from app.domain import QueuePaused
from app.quality.report import Check

log = logging.getLogger(__name__)

JUDGE_CHECKS = ("likeness", "style", "defects")

# How a defect kind reads in a sentence.
DEFECT_WORDS = {
    "extra_limbs": "extra or missing limbs",
    "garbled_text": "garbled lettering",
    "second_child": "a second child",
    "original_hero_visible": "the original hero still visible",
    "other": "a flaw",
}

# The job's retrying call runner (`CallRunner.call`): label, then the call to make.
CallWrapper = Callable[[str, Callable[[], Awaitable[JudgeVerdict]]], Awaitable[JudgeVerdict]]


def judge_checks(
    verdict: JudgeVerdict | None,
    error: Exception | None,
    *,
    target: str,
    settings: Settings,
) -> list[Check]:
    """ "likeness", "style" and "defects" from a verdict; or, when the judge failed (or gave
    nothing), one failed "judge" check that blocks whenever any of those three would."""
    if error is not None or verdict is None:
        why = _why(error) if error is not None else "it gave no verdict"
        return [
            Check(
                name="judge",
                target=target,
                passed=False,
                sentence=(
                    f"the judge could not answer ({why}), so nothing vouches for the "
                    "child's likeness, the style or defects here"
                ),
                blocking=any(settings.is_blocking(name) for name in JUDGE_CHECKS),
            )
        ]
    return [
        _likeness(verdict, target, settings),
        _style(verdict, target, settings),
        _defects(verdict.defects, target, settings),
    ]


async def run_judge(
    provider: Provider,
    task: JudgeTask,
    settings: Settings,
    *,
    call: CallWrapper | None = None,
) -> tuple[list[Check], str]:
    """Ask the provider's judge about one image (through `call`, the job's retrying runner,
    when given) and return its checks and its words. Errors become a failed "judge" check;
    a paused queue and cancellation propagate."""
    label = f"judge {task.target}"
    try:
        if call is None:
            verdict = await provider.judge(task)
        else:
            verdict = await call(label, lambda: provider.judge(task))
    except QueuePaused:
        raise
    except Exception as exc:
        log.warning("%s could not answer: %s", label, _why(exc))
        checks = judge_checks(None, exc, target=task.target, settings=settings)
        return checks, f"no verdict: {_why(exc)}"
    return judge_checks(verdict, None, target=task.target, settings=settings), verdict.reasons


def _why(error: Exception) -> str:
    return str(error).strip() or type(error).__name__


def _likeness(verdict: JudgeVerdict, target: str, settings: Settings) -> Check:
    least = settings.quality_min_likeness
    score = verdict.likeness
    if not verdict.same_child:
        sentence = f"the judge does not see the child from the photo here (likeness {score:.2f})"
    elif score < least:
        sentence = (
            f"the judge sees the child, but the likeness is only {score:.2f} "
            f"(at least {least:.2f} needed)"
        )
    else:
        sentence = f"the judge sees the child from the photo (likeness {score:.2f})"
    return Check(
        name="likeness",
        target=target,
        passed=verdict.same_child and score >= least,
        sentence=sentence,
        score=score,
        threshold=least,
        blocking=settings.is_blocking("likeness"),
    )


def _style(verdict: JudgeVerdict, target: str, settings: Settings) -> Check:
    return Check(
        name="style",
        target=target,
        passed=verdict.style_matches,
        sentence=(
            "the judge finds the original's art style kept"
            if verdict.style_matches
            else "the judge finds the art style changed from the original's"
        ),
        blocking=settings.is_blocking("style"),
    )


def _defects(defects: list[Defect], target: str, settings: Settings) -> Check:
    if not defects:
        sentence = "the judge found no defects"
    else:
        listed = "; ".join(
            f"{DEFECT_WORDS.get(d.kind, d.kind)}: {d.reason.strip().rstrip('.')}" for d in defects
        )
        count = f"{len(defects)} defect{'s' * (len(defects) != 1)}"
        sentence = f"the judge found {count}: {listed}"
    return Check(
        name="defects",
        target=target,
        passed=not defects,
        sentence=sentence,
        score=float(len(defects)),
        threshold=0.0,
        blocking=settings.is_blocking("defects"),
    )
