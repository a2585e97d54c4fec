from app.ai.prompt import build_cover_prompt, build_page_prompt, describe_child
from app.ai.provider import ChildAnalysis, CoverAnalysis
from app.domain import Book, Page, Personalization

BOOK = Book(
    "b",
    "Leo and the Moon Boat",
    "Adventure",
    "3-6 years",
    "Leo",
    "c.jpg",
    (Page(1, "p1.jpg", "Leo climbed aboard his boat."),),
    hero_gender="boy",
)

WATERCOLOR = CoverAnalysis(
    art_style="soft watercolor illustration",
    medium="watercolor",
    palette_names=["navy", "cream", "gold"],
    lighting="dim, moody",
    mood="calm",
    composition="hero in the lower left of the frame",
    hero_pose="facing the reader",
)
CARTOON = CoverAnalysis(
    art_style="flat vector cartoon",
    medium="digital flat colour",
    palette_names=["lime", "pink"],
    lighting="bright, even",
    mood="cheerful",
)
ADA = (
    ChildAnalysis(hair_color="brown", eye_color="blue", skin_tone="fair"),
    Personalization("Ada", 5, "girl"),
)
KOFI = (
    ChildAnalysis(
        hair_color="black",
        hair_style="curly",
        eye_color="dark brown",
        skin_tone="brown",
        distinguishing_features=["glasses"],
    ),
    Personalization("Kofi", 6, "boy"),
)


def test_different_covers_give_different_prompts() -> None:
    a = build_cover_prompt(WATERCOLOR, *ADA[:1], BOOK, ADA[1])
    b = build_cover_prompt(CARTOON, *ADA[:1], BOOK, ADA[1])
    assert a != b
    assert "soft watercolor illustration" in a and "navy, cream, gold" in a
    assert "flat vector cartoon" in b and "lime, pink" in b and "watercolor" not in b


def test_different_children_give_different_prompts() -> None:
    a = build_cover_prompt(WATERCOLOR, ADA[0], BOOK, ADA[1])
    b = build_cover_prompt(WATERCOLOR, KOFI[0], BOOK, KOFI[1])
    assert a != b
    assert "5-year-old girl named Ada" in a and "brown hair" in a and "blue eyes" in a
    assert "6-year-old boy named Kofi" in b and "black curly hair" in b and "glasses" in b
    assert "Ada" not in b and "blue eyes" not in b


def test_cover_prompt_carries_the_personalized_title_and_book_metadata() -> None:
    prompt = build_cover_prompt(WATERCOLOR, ADA[0], BOOK, ADA[1], instruction="bigger smile")
    assert '"Ada and the Moon Boat"' in prompt
    assert "adventure" in prompt and "3-6 years" in prompt
    assert "Replace the main character, Leo" in prompt
    assert prompt.endswith("Operator's note: bigger smile")


def test_no_description_appears_that_no_analysis_gave() -> None:
    empty = ChildAnalysis()
    text = describe_child(empty, Personalization("Sam"))
    assert text == "a child named Sam"


def test_page_prompt_uses_the_personalized_page_text() -> None:
    prompt = build_page_prompt(WATERCOLOR, ADA[0], BOOK, ADA[1], BOOK.pages[0])
    assert "Ada climbed aboard her boat." in prompt
    assert 'page 1 of "Ada and the Moon Boat"' in prompt
