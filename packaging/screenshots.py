"""Refresh the README's screenshots from the real console on the demo data.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python packaging/screenshots.py
    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python packaging/screenshots.py 1366x768

Writes packaging/screenshots/{main,detail,pdf,analysis,timeline,cover-lab}.png; other
sizes, for checking the layout, go to a folder outside the tree (printed at the end), so
they never show up as untracked files. Uses a throwaway data and config folder, so it
neither needs nor touches your own orders.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "screenshots"


def main() -> int:
    size = sys.argv[1] if len(sys.argv) > 1 else "1600x1000"
    width, height = (int(v) for v in size.split("x"))
    scratch = Path(tempfile.mkdtemp(prefix="pressroom-shots-"))
    out = OUT if size == "1600x1000" else Path(tempfile.gettempdir()) / f"pressroom-shots-{size}"
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        os.environ[name] = str(scratch / name.lower())
    sys.path.insert(0, str(HERE.parent))
    import asyncio

    os.environ.setdefault("QT_API", "pyside6")
    import qasync

    from app import cpu
    from app.assets import demo_root
    from app.catalog import load_demo_catalog, place_demo_orders
    from app.domain import Personalization, Status
    from app.events import EventBus
    from app.orders.place import upload_photo
    from app.runtime import build_services
    from app.ui.app import make_app
    from app.ui.main_window import CATALOG_TAB, ITEM_TAB, LAB_TAB, MainWindow
    from app.user_settings import load_settings

    app = make_app()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    services = build_services(load_settings(poll_interval_ms=500), EventBus())
    cpu.configure(services.settings.cpu_workers, processes=True)
    cpu.warm_up()
    books = load_demo_catalog(services.store, services.blobs)
    items = place_demo_orders(services.store, services.blobs, books)
    items += place_demo_orders(services.store, services.blobs, list(reversed(books)))
    broken = upload_photo(services.blobs, "walk-in", b"\x89PNG\r\n\x1a\n not really")
    _, failed = services.store.place_order(
        "walk-in",
        [(books[0].id, Personalization("Sam", 6, "boy", broken))],
        paid=True,
        customer_name="Walk-in customer",
    )
    out.mkdir(exist_ok=True)

    async def wait(condition: Callable[[], bool], seconds: float = 180) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the console did not get there in time")
            await asyncio.sleep(0.05)

    def shot(widget: object, name: str) -> None:
        widget.grab().save(str(out / f"{name}.png"))  # type: ignore[attr-defined]

    async def tour() -> None:
        window = MainWindow(services, start_monitor=True)
        window.resize(width, height - 20)
        window.show()
        ids = {i.id for i in items} | {failed[0].id}
        done = {Status.COMPLETED, Status.FAILED}
        await wait(lambda: all(services.store.get_item(i).pressroom_status in done for i in ids))
        window.refresh(full=True)
        window.refresh_overview()
        await asyncio.sleep(2.5)
        window.table.selectRow(0)
        await wait(
            lambda: (
                window.detail.data is not None and window.detail.data.generated_cover is not None
            )
        )
        await asyncio.sleep(1.0)
        shot(window, "main")
        window.tabs.setCurrentIndex(ITEM_TAB)
        await asyncio.sleep(1.0)
        shot(window, "detail")
        for index, name in ((2, "pdf"), (3, "analysis"), (4, "quality"), (5, "timeline")):
            window.detail.tabs.setCurrentIndex(index)
            if name == "pdf":
                window.detail.pdf.guides.setChecked(True)
                window.detail.pdf.thumbs.setCurrentRow(3)
                await asyncio.sleep(3.0)
            await asyncio.sleep(1.0)
            shot(window, name)
        window.tabs.setCurrentIndex(LAB_TAB)
        lab = window.cover_lab
        lab.load(str(demo_root().joinpath("giant-garden", "cover.jpg")), "cover")
        lab.load(str(demo_root().joinpath("photos", "child-rosie.jpg")), "photo")
        await wait(lambda: set(lab.files) == {"cover", "photo"})
        lab.name.setText("Rosie")
        lab.age.setValue(4)
        lab.title_edit.setText("Mia's Garden of Giants")
        lab.hero.setText("Mia")
        lab.generate()
        await wait(lambda: lab.result is not None)
        await asyncio.sleep(1.0)
        shot(window, "cover-lab")
        window.tabs.setCurrentIndex(CATALOG_TAB)
        catalog = window.catalog
        await wait(lambda: catalog.books.count() > 0)
        catalog.open_book("moon-boat")
        await wait(lambda: catalog.editor.book is not None)
        catalog.editor.show_place(2)
        catalog.editor.text.setPlainText("The boat began to float up, up, up.")  # hero unnamed
        await asyncio.sleep(1.0)
        shot(window, "catalog")
        await window.quit()

    with loop:
        loop.run_until_complete(tour())
    cpu.shutdown()
    print(f"wrote {', '.join(sorted(p.name for p in out.glob('*.png')))} in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
