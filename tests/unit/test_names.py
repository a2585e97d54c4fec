import pytest

from app.names import personalize_text, replace_hero_name, swap_pronouns


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Leo found a boat.", "Ada found a boat."),
        ("It was Leo's boat.", "It was Ada's boat."),
        ("It was Leo\u2019s boat.", "It was Ada\u2019s boat."),
        ('"LEO!" called the Moon.', '"ADA!" called the Moon.'),
        ("Leonard and Cleo met Leo.", "Leonard and Cleo met Ada."),
        ("leo, come home", "Ada, come home"),
    ],
)
def test_hero_name_is_replaced_in_every_form(text: str, expected: str) -> None:
    assert replace_hero_name(text, "Leo", "Ada") == expected


def test_names_ending_in_s_take_apostrophe_s() -> None:
    assert replace_hero_name("Mia's garden", "Mia", "James") == "James's garden"


def test_pronouns_follow_the_child() -> None:
    assert (
        swap_pronouns("She gave her friend her hat and hugged her. It was hers.", "girl", "boy")
        == "He gave his friend his hat and hugged him. It was his."
    )
    assert (
        swap_pronouns("The Moon told him he was brave; the boat was his.", "boy", "girl")
        == "The Moon told her she was brave; the boat was hers."
    )


def test_same_or_unknown_gender_leaves_pronouns_alone() -> None:
    text = "She smiled at her boat."
    assert swap_pronouns(text, "girl", "girl") == text
    assert swap_pronouns(text, "girl", None) == text
    assert swap_pronouns(text, None, "boy") == text


def test_personalize_text_does_both() -> None:
    assert (
        personalize_text("Mia planted her seed.", "Mia", "girl", "Kofi", "boy")
        == "Kofi planted his seed."
    )
