import logging
from pathlib import Path

from app.logs import setup_logging


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
