"""The SMTP server fixture for the notification tests."""

from tests.fakes.smtp import inbox  # noqa: F401 (a fixture)
