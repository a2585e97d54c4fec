"""The judge's verdict (or its failure) as checks an operator reads."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.ai.provider import ChildAnalysis, Defect, JudgeTask, JudgeVerdict
from app.assets import demo_root
from app.config import Settings
from app.domain import (
    BudgetExceeded,
    CredentialsRejected,
    PermanentError,
    QuotaExhausted,
    SafetyBlocked,
    TransientError,
)
from app.pipeline.calls import CallRunner
from app.quality.judge import judge_checks, run_judge
from app.quality.report import QualityReport
from tests.conftest import make_settings
from tests.fakes.provider import ScriptedProvider


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def verdict(**fields: object) -> JudgeVerdict:
    values: dict[str, object] = {
        "reasons": "Same bob and freckles; flat style kept.",
        "same_child": True,
        "likeness": 0.82,
        "style_matches": True,
        "defects": [],
    }
    values.update(fields)
    return JudgeVerdict.model_validate(values)


def test_a_passing_verdict_gives_three_passed_checks(settings: Settings) -> None:
    checks = judge_checks(verdict(), None, target="page 3", settings=settings)
    assert [(c.name, c.target, c.passed, c.blocking) for c in checks] == [
        ("likeness", "page 3", True, True),
        ("style", "page 3", True, True),
        ("defects", "page 3", True, True),
    ]
    likeness, style, defects = checks
    assert (likeness.score, likeness.threshold) == (0.82, settings.quality_min_likeness)
    assert likeness.sentence == "the judge sees the child from the photo (likeness 0.82)"
    assert style.sentence == "the judge finds the original's art style kept"
    assert defects.sentence == "the judge found no defects"
    assert (defects.score, defects.threshold) == (0.0, 0.0)


def test_likeness_fails_on_another_child_or_a_low_score(settings: Settings) -> None:
    [other, *_] = judge_checks(
        verdict(same_child=False, likeness=0.9), None, target="cover", settings=settings
    )
    assert not other.passed
    assert other.sentence == "the judge does not see the child from the photo here (likeness 0.90)"
    [low, *_] = judge_checks(verdict(likeness=0.31), None, target="cover", settings=settings)
    assert not low.passed
    assert low.sentence == (
        "the judge sees the child, but the likeness is only 0.31 (at least 0.50 needed)"
    )
    strict = make_settings(settings.data_dir.parent, quality_min_likeness=0.9)
    [below, *_] = judge_checks(verdict(), None, target="cover", settings=strict)
    assert not below.passed and below.threshold == 0.9


def test_a_changed_style_fails(settings: Settings) -> None:
    [_, style, _] = judge_checks(
        verdict(style_matches=False), None, target="page 1", settings=settings
    )
    assert not style.passed
    assert style.sentence == "the judge finds the art style changed from the original's"


def test_defects_are_listed_in_one_sentence_each_with_its_reason(settings: Settings) -> None:
    found = [
        Defect(kind="extra_limbs", reason="The left hand has six fingers."),
        Defect(kind="original_hero_visible", reason="Leo's cap is still on the boat"),
        Defect(kind="second_child", reason="a second boy waves from the shore"),
    ]
    [*_, defects] = judge_checks(verdict(defects=found), None, target="page 7", settings=settings)
    assert not defects.passed and defects.score == 3.0
    assert defects.sentence == (
        "the judge found 3 defects: extra or missing limbs: The left hand has six fingers; "
        "the original hero still visible: Leo's cap is still on the boat; "
        "a second child: a second boy waves from the shore"
    )
    [*_, one] = judge_checks(
        verdict(defects=[Defect(kind="garbled_text", reason="the title reads 'Moom'")]),
        None,
        target="cover",
        settings=settings,
    )
    assert one.sentence == "the judge found 1 defect: garbled lettering: the title reads 'Moom'"


def test_a_judge_that_could_not_answer_is_one_failed_blocking_check(settings: Settings) -> None:
    error = SafetyBlocked("judge page 3: the request was blocked: SAFETY")
    [check] = judge_checks(None, error, target="page 3", settings=settings)
    assert (check.name, check.target, check.passed, check.blocking) == (
        "judge",
        "page 3",
        False,
        True,
    )
    assert check.sentence == (
        "the judge could not answer (judge page 3: the request was blocked: SAFETY), so "
        "nothing vouches for the child's likeness, the style or defects here"
    )
    # an error wins over a verdict; no verdict and no error is no answer either
    [check] = judge_checks(verdict(), TimeoutError(), target="cover", settings=settings)
    assert check.name == "judge" and "(TimeoutError)" in check.sentence
    [check] = judge_checks(None, None, target="cover", settings=settings)
    assert not check.passed and "it gave no verdict" in check.sentence


def test_the_failed_judge_makes_the_page_doubtful_in_the_report(settings: Settings) -> None:
    report = QualityReport()
    report.add(judge_checks(verdict(), None, target="page 2", settings=settings))
    report.add(judge_checks(None, PermanentError("x"), target="page 3", settings=settings))
    assert not report.passed and report.doubtful_pages() == [3]
    assert report.summary() == "1 page doubtful"
    assert report.reason().startswith("page 3: the judge could not answer (x)")


def test_blocking_follows_the_settings(tmp_path: Path) -> None:
    warn_only = make_settings(tmp_path, quality_blocking="composition,hero_changed,pdf")
    checks = judge_checks(
        verdict(same_child=False, style_matches=False), None, target="cover", settings=warn_only
    )
    assert not any(c.blocking for c in checks) and not any(c.passed for c in checks[:2])
    [failed] = judge_checks(None, SafetyBlocked("no"), target="cover", settings=warn_only)
    assert not failed.blocking  # the judge only warns when none of its checks block
    likeness_only = make_settings(tmp_path, quality_blocking="likeness")
    [failed] = judge_checks(None, SafetyBlocked("no"), target="cover", settings=likeness_only)
    assert failed.blocking


# -- run_judge -----------------------------------------------------------------------------
def task(target: str = "page 3") -> JudgeTask:
    """Page 3 of the first demo book, "generated" unchanged."""
    original = demo_root().joinpath("moon-boat", "page-03.jpg").read_bytes()
    return JudgeTask(
        photo=b"",
        original=original,
        generated=original,
        child_analysis=ChildAnalysis(skin_rgb=[241, 205, 181], hair_rgb=[110, 71, 40]),
        target=target,
        hero_name="Leo",
    )


def test_run_judge_returns_the_checks_and_the_judges_words(settings: Settings) -> None:
    provider = ScriptedProvider(verdicts={"judge page 3": verdict()})
    checks, words = asyncio.run(run_judge(provider, task(), settings))
    assert [c.name for c in checks] == ["likeness", "style", "defects"]
    assert words == "Same bob and freckles; flat style kept."
    # the offline judge behind it: an unchanged page is never passed
    checks, words = asyncio.run(run_judge(ScriptedProvider(), task(), settings))
    assert not checks[0].passed and not checks[2].passed
    assert words.startswith("offline judge: compares colours and layout")


@pytest.mark.parametrize(
    "error",
    [
        SafetyBlocked("judge page 3: the model declined (finish reason SAFETY)"),
        PermanentError("judge page 3: the model's verdict did not fit the expected form twice"),
        BudgetExceeded("stopped: this book has used $2.00 of AI calls"),
        TransientError("Gemini is unavailable (503 UNAVAILABLE)"),
        ValueError("something unexpected"),
    ],
)
def test_run_judge_turns_every_failure_into_a_doubtful_page(
    settings: Settings, error: Exception
) -> None:
    provider = ScriptedProvider(failures={"judge page 3": [error]})
    checks, words = asyncio.run(run_judge(provider, task(), settings))
    assert [(c.name, c.passed, c.blocking) for c in checks] == [("judge", False, True)]
    assert str(error) in checks[0].sentence and words == f"no verdict: {error}"


@pytest.mark.parametrize("error", [QuotaExhausted("daily quota"), CredentialsRejected("key")])
def test_run_judge_lets_a_paused_queue_through(settings: Settings, error: Exception) -> None:
    provider = ScriptedProvider(failures={"judge page 3": [error]})
    with pytest.raises(type(error)):
        asyncio.run(run_judge(provider, task(), settings))


def test_run_judge_retries_through_the_jobs_call_runner(settings: Settings) -> None:
    provider = ScriptedProvider(
        failures={"judge page 3": [TransientError("503"), TransientError("503")]},
        verdicts={"judge page 3": verdict()},
    )
    runner = CallRunner(attempts=3, base_seconds=0.001)
    checks, _ = asyncio.run(run_judge(provider, task(), settings, call=runner.call))
    assert all(c.passed for c in checks)
    assert provider.judge_calls == 3 and runner.retries == 2
    # out of retries: doubtful, with the last reason
    provider = ScriptedProvider(failures={"judge page 3": [TransientError("503")] * 3})
    checks, _ = asyncio.run(run_judge(provider, task(), settings, call=runner.call))
    assert checks[0].name == "judge" and "503" in checks[0].sentence
