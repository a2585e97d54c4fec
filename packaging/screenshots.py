"""Refresh the README's screenshots from the real console on the demo data.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python packaging/screenshots.py

Writes packaging/screenshots/{main,detail,pdf,cover-lab}.png. Uses a throwaway data and
config folder, so it neither needs nor touches your own orders.
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
    scratch = Path(tempfile.mkdtemp(prefix="pressroom-shots-"))
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        os.environ[name] = str(scratch / name.lower())
    sys.path.insert(0, str(HERE.parent))
    from PySide6.QtCore import QCoreApplication

    from app import cpu
    from app.assets import demo_root
    from app.catalog import load_demo_catalog, place_demo_orders, upload_photo
    from app.domain import Personalization, Status
    from app.events import EventBus
    from app.runtime import build_services
    from app.ui.app import make_app
    from app.ui.main_window import MainWindow
    from app.user_settings import load_settings

    app = make_app()
    services = build_services(load_settings(poll_interval_ms=500), EventBus())
    cpu.configure(services.settings.cpu_workers, processes=True)
    cpu.warm_up()
    books = load_demo_catalog(services.store, services.blobs)
    items = place_demo_orders(services.store, services.blobs, books)
    items += place_demo_orders(services.store, services.blobs, list(reversed(books)))
    broken = upload_photo(services.blobs, "walk-in", b"\x89PNG\r\n\x1a\n not really")
    _, failed = services.store.place_order(
        "walk-in", [(books[0].id, Personalization("Sam", 6, "boy", broken))], paid=True
    )
    window = MainWindow(services, start_monitor=True)
    window.resize(1600, 980)
    window.show()

    def wait(condition: Callable[[], bool], seconds: float = 180) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the console did not get there in time")
            app.processEvents()
            time.sleep(0.02)

    def settle(seconds: float = 1.0) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)

    ids = {i.id for i in items} | {failed[0].id}
    done = {Status.COMPLETED, Status.FAILED}
    wait(lambda: all(services.store.get_item(i).generation_status in done for i in ids))
    window.refresh()
    settle(2.5)
    OUT.mkdir(exist_ok=True)
    window.table.selectRow(0)
    wait(lambda: window.detail.data is not None and window.detail.data.generated_cover is not None)
    settle(1.5)
    window.grab().save(str(OUT / "main.png"))
    window.detail.compare.zoom(1.6)
    settle(0.5)
    window.detail.grab().save(str(OUT / "detail.png"))
    window.detail.tabs.setCurrentIndex(2)
    window.detail.pdf.guides.setChecked(True)
    window.detail.pdf.thumbs.setCurrentRow(3)
    settle(3.0)
    window.detail.grab().save(str(OUT / "pdf.png"))
    window.tabs.setCurrentIndex(1)
    lab = window.cover_lab
    lab.load(str(demo_root().joinpath("giant-garden", "cover.jpg")), "cover")
    lab.load(str(demo_root().joinpath("photos", "child-rosie.jpg")), "photo")
    wait(lambda: set(lab.files) == {"cover", "photo"})
    lab.name.setText("Rosie")
    lab.age.setValue(4)
    lab.title_edit.setText("Mia's Garden of Giants")
    lab.hero.setText("Mia")
    lab.generate()
    wait(lambda: lab.result is not None)
    settle(1.0)
    window.grab().save(str(OUT / "cover-lab.png"))
    window.close()
    cpu.shutdown()
    QCoreApplication.quit()
    print(f"wrote {', '.join(sorted(p.name for p in OUT.glob('*.png')))} in {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
