"""The worker's HTTP API through its real ASGI app: auth, the seed's endpoints, clear 4xx
for bad input, and a fuzz of bodies that must never produce a 500."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.assets import demo_root
from app.catalog import demo_photo
from app.events import EventBus
from app.runtime import build_services
from app.worker.service import Service
from tests.conftest import make_settings, order_book, save_small_book

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
COVER = base64.b64encode(demo_root().joinpath("moon-boat", "cover.jpg").read_bytes()).decode()
PHOTO = base64.b64encode(demo_photo("child-ada.jpg")).decode()


@pytest.fixture
def service(tmp_path: Path) -> Service:
    services = build_services(
        make_settings(tmp_path, auto_start_monitor=False, max_upload_bytes=3 * 1024 * 1024),
        EventBus(),
    )
    return Service(services, TOKEN)


@pytest.fixture
def client(service: Service) -> Iterator[TestClient]:
    with TestClient(service.app) as test_client:
        yield test_client


def test_health_needs_no_token_but_everything_else_does(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    for method, path in (
        ("get", "/monitor/status"),
        ("post", "/monitor/start"),
        ("post", "/monitor/stop"),
        ("post", "/generate-cover"),
    ):
        response = getattr(client, method)(path)
        assert response.status_code == 401, path
        assert "PRESSROOM_API_TOKEN" in response.json()["error"]
    assert (
        client.get("/monitor/status", headers={"Authorization": "Bearer wrong"}).status_code == 401
    )
    assert client.get("/monitor/status", headers=AUTH).status_code == 200
    for private in ("/openapi.json", "/docs"):  # the description too: only /health is public
        assert client.get(private).status_code == 401, private
    assert "/generate-cover" in client.get("/openapi.json", headers=AUTH).json()["paths"]


def test_start_status_stop_while_books_are_made(client: TestClient, service: Service) -> None:
    book = save_small_book(service.s, pages=2)
    item = order_book(service.s, book)
    status = client.get("/monitor/status", headers=AUTH).json()
    assert status["isRunning"] is False and status["queue"]["pending"] == 1
    assert status["pollInterval"] == 200
    assert client.post("/monitor/start", headers=AUTH).json() == {
        "success": True,
        "isRunning": True,
    }
    deadline = time.monotonic() + 60
    while client.get("/monitor/status", headers=AUTH).json()["queue"]["completed"] != 1:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert service.s.store.get_item(item.id).pdf_url
    assert client.post("/monitor/stop", headers=AUTH).json()["isRunning"] is False
    assert client.get("/monitor/status", headers=AUTH).json()["isRunning"] is False


def test_generate_cover_returns_the_cover_analyses_and_prompt(client: TestClient) -> None:
    body = {
        "originalCoverImage": COVER,
        "childImage": PHOTO,
        "bookData": {
            "name": "Leo and the Moon Boat",
            "genre": "Adventure",
            "ageRange": "3-6 years",
            "heroName": "Leo",
        },
        "childData": {"name": "Ada", "age": 5, "gender": "girl"},
    }
    response = client.post("/generate-cover", json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["success"] and data["mimeType"] == "image/jpeg"
    assert base64.b64decode(data["coverImage"])[:2] == b"\xff\xd8"
    assert "5-year-old girl named Ada" in data["prompt"]
    assert data["coverAnalysis"]["art_style"] and data["childAnalysis"]["hair_color"] == "brown"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            {"originalCoverImage": "%%%", "childImage": PHOTO, "childData": {"name": "A"}},
            400,
            "originalCoverImage is not valid base64",
        ),
        (
            {
                "originalCoverImage": COVER,
                "childImage": base64.b64encode(b"hello").decode(),
                "childData": {"name": "A"},
            },
            422,
            "childImage: not an image",
        ),
        ({"originalCoverImage": COVER, "childImage": PHOTO}, 422, "childData: Field required"),
        (
            {
                "originalCoverImage": COVER,
                "childImage": PHOTO,
                "childData": {"name": "A", "age": "five"},
            },
            422,
            "childData.age",
        ),
        (
            {"originalCoverImage": 7, "childImage": PHOTO, "childData": {"name": "A"}},
            422,
            "originalCoverImage: Input should be a valid string",
        ),
    ],
)
def test_bad_requests_get_a_clear_4xx(
    client: TestClient, body: dict, status: int, message: str
) -> None:
    response = client.post("/generate-cover", json=body, headers=AUTH)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_not_json_and_oversized_bodies_are_refused(client: TestClient) -> None:
    response = client.post(
        "/generate-cover",
        content=b"{not json",
        headers={**AUTH, "content-type": "application/json"},
    )
    assert response.status_code == 422
    huge = b"x" * (3 * 1024 * 1024 + 10)
    response = client.post(
        "/generate-cover", content=huge, headers={**AUTH, "content-type": "application/json"}
    )
    assert response.status_code == 413 and "over 3 MB" in response.json()["error"]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
fields = st.fixed_dictionaries(
    {},
    optional={
        "originalCoverImage": json_values | st.just(COVER[:200]),
        "childImage": json_values | st.just("aGVsbG8="),
        "bookData": json_values,
        "childData": json_values
        | st.fixed_dictionaries({"name": st.text(max_size=5)}, optional={"age": json_values}),
    },
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=fields | json_values)
def test_no_body_makes_the_api_fail(client: TestClient, body: object) -> None:
    response = client.post("/generate-cover", json=body, headers=AUTH)
    assert response.status_code in (400, 413, 422), response.text
    assert isinstance(response.json()["error"], str)


def _tiny_png() -> str:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1, 1)).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


@pytest.mark.parametrize(
    ("child", "photo", "error"),
    [
        ({"name": "   "}, PHOTO, "childData.name: the child's name is empty"),
        (
            {"name": "Ada😀"},
            PHOTO,
            "childData.name: the child's name has characters no shipped font can draw: "
            "😀 (U+1F600)",
        ),
        (
            {"name": "Ada", "age": 9},
            PHOTO,
            "childData.age: age 9 is outside this book's range (3-6 years)",
        ),
        (
            {"name": "Ada"},
            "TINY",
            "childImage: the photo is 1×1 px, but at least 160 px on the short side is needed "
            "to draw a face at print size",
        ),
    ],
)
def test_generate_cover_refuses_a_child_the_order_checks_refuse(
    client: TestClient, service: Service, child: dict, photo: str, error: str
) -> None:
    calls: list[str] = []
    original = service.s.provider.analyze_child

    async def counted(data: bytes) -> object:
        calls.append("analyze_child")
        return await original(data)

    service.s.provider.analyze_child = counted  # type: ignore[method-assign]
    body = {
        "originalCoverImage": COVER,
        "childImage": _tiny_png() if photo == "TINY" else photo,
        "bookData": {"name": "Leo and the Moon Boat", "ageRange": "3-6 years", "heroName": "Leo"},
        "childData": child,
    }
    response = client.post("/generate-cover", json=body, headers=AUTH)
    assert response.status_code == 422, response.text
    assert response.json() == {"error": error}
    assert calls == []  # refused before any AI call


def test_generate_cover_names_every_problem(client: TestClient) -> None:
    body = {
        "originalCoverImage": base64.b64encode(b"not a cover").decode(),
        "childImage": _tiny_png(),
        "childData": {"name": " ", "age": 17},
        "bookData": {"ageRange": "4-7"},
    }
    response = client.post("/generate-cover", json=body, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["error"].split("; ") == [
        "originalCoverImage: not an image (expected JPEG, PNG, WebP or HEIC)",
        "childData.name: the child's name is empty",
        "childData.age: age 17 is outside this book's range (4-7)",
        "childImage: the photo is 1×1 px, but at least 160 px on the short side is needed to "
        "draw a face at print size",
    ]
