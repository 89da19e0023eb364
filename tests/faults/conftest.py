"""Fault tests use the integration suite's throwaway PostgreSQL database."""

from tests.integration.conftest import pg_url

__all__ = ["pg_url"]
