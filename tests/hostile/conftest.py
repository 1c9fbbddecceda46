"""The web tests' app and client (a fresh database holding the small synthetic world)."""
from tests.web.conftest import app, client  # noqa: F401
