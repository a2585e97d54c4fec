"""The shop's books: import (a folder or the book's PDF), export, validation, versions,
and the demo catalog (proofs are made by app/worker/proof.py). The console's Catalog page
and `pressroom book` use it."""

from app.catalog.demo import (
    DEMO_BOOKS,
    DEMO_CHILDREN,
    DemoChild,
    demo_catalog,
    demo_photo,
    load_demo_catalog,
    place_demo_orders,
)

__all__ = [
    "DEMO_BOOKS",
    "DEMO_CHILDREN",
    "DemoChild",
    "demo_catalog",
    "demo_photo",
    "load_demo_catalog",
    "place_demo_orders",
]
