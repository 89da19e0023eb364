"""Scale tests reuse the integration tests' fixtures: a throwaway PostgreSQL database and the CLI runners."""

from tests.integration.conftest import pg_url  # noqa: F401 - fixture
from tests.integration.test_cli import cli, env, nb  # noqa: F401 - fixtures
