"""Scale tests reuse the throwaway PostgreSQL database of the integration tests."""

from tests.integration.conftest import pg_url  # noqa: F401 - the fixture
