import logging
from pathlib import Path

from app.logs import setup_logging
from app.store.embedded import EmbeddedOrderStore


def test_secrets_are_redacted_from_messages_and_tracebacks(tmp_path: Path) -> None:
    secret = "sb_secret_abcdef123456"
    path = setup_logging([secret], log_dir=tmp_path)
    log = logging.getLogger("pressroom.test")
    log.warning("connecting with key %s", secret)
    try:
        raise RuntimeError(f"401 for key {secret}")
    except RuntimeError:
        log.exception("request failed")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert secret not in text
    assert "connecting with key ***" in text
    assert "RuntimeError: 401 for key ***" in text
    for handler in list(logging.getLogger().handlers):
        if getattr(handler, "_pressroom", False):
            logging.getLogger().removeHandler(handler)
            handler.close()


def test_no_child_or_customer_name_reaches_a_log_line(tmp_path: Path) -> None:
    """Every item read registers its people; the log writes them as [name], ids stay."""
    from app.logs import PERSONAL_MARK
    from tests.conftest import complete_an_order

    log_file = setup_logging(log_dir=tmp_path / "log")
    store = EmbeddedOrderStore(tmp_path / "pressroom.sqlite3")
    item_id = complete_an_order(store, child="Zanele", email="thandi@example.com")
    item = store.get_item(item_id)  # read: its names are known now
    log = logging.getLogger("app.test")
    log.warning("page 3 names Zanele 0 times; mailed thandi@example.com for %s", item.id)
    log.warning("Zanelemba is another word")  # a longer word is not a name
    try:
        raise ValueError("the quality gate: Zanele's name is cut off")
    except ValueError:
        log.exception("job %s failed", item.id[:8])
    store.close()
    written = log_file.read_text()
    assert "Zanele " not in written and "Zanele'" not in written
    assert "thandi@example.com" not in written
    assert written.count(PERSONAL_MARK) >= 3 and item.id in written
    assert "Zanelemba is another word" in written
