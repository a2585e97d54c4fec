import pytest

from app.domain import ALLOWED_TRANSITIONS, IllegalTransition, Status, check_transition


def test_seed_status_values_are_kept_for_the_mobile_app() -> None:
    assert {s.value for s in Status} == {
        "pending",
        "processing",
        "completed",
        "failed",
        "awaiting_review",
        "publishing",
    }


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        (Status.PENDING, Status.PROCESSING),
        (Status.PROCESSING, Status.PUBLISHING),
        (Status.PROCESSING, Status.AWAITING_REVIEW),
        (Status.PROCESSING, Status.FAILED),
        (Status.AWAITING_REVIEW, Status.PUBLISHING),
        (Status.AWAITING_REVIEW, Status.PENDING),
        (Status.PUBLISHING, Status.COMPLETED),
        (Status.FAILED, Status.PENDING),
    ],
)
def test_lifecycle_transitions_are_allowed(src: Status, dst: Status) -> None:
    check_transition(src, dst)


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        (Status.PENDING, Status.COMPLETED),
        (Status.PROCESSING, Status.COMPLETED),
        (Status.COMPLETED, Status.PENDING),
        (Status.COMPLETED, Status.FAILED),
        (Status.AWAITING_REVIEW, Status.COMPLETED),
        (Status.FAILED, Status.COMPLETED),
    ],
)
def test_shortcuts_are_refused(src: Status, dst: Status) -> None:
    with pytest.raises(IllegalTransition, match=f"from {src.value} to {dst.value}"):
        check_transition(src, dst)


def test_completed_is_final_and_only_publishing_completes() -> None:
    assert ALLOWED_TRANSITIONS[Status.COMPLETED] == frozenset()
    assert [s for s, targets in ALLOWED_TRANSITIONS.items() if Status.COMPLETED in targets] == [
        Status.PUBLISHING
    ]


def test_the_ready_notification_keeps_the_old_servers_wording() -> None:
    from app.customer_texts import BOOK_READY_BODY, BOOK_READY_TITLE, text
    from app.store.ports import READY_TITLE

    assert READY_TITLE == "Your Book is Ready! 📚"  # the seed's in-app notification
    assert text(BOOK_READY_TITLE, "fr-CA") == READY_TITLE  # no French yet: English
    assert text(BOOK_READY_BODY, title="Ada and the Moon Boat") == (
        "\u201cAda and the Moon Boat\u201d is ready to read and download."
    )
