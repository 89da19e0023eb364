"""Throwaway PostgreSQL databases for the benchmarks that run on PostgreSQL."""

from __future__ import annotations

import os
import uuid

PG_ADMIN = os.environ.get("NUDGEBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def pg_database() -> str | None:
    """Create a throwaway PostgreSQL database; None when no server answers."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as admin:
            name = f"nudgebot_bench_{uuid.uuid4().hex[:8]}"
            admin.execute(f'CREATE DATABASE "{name}"')
    except Exception:
        return None
    return f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"


def drop_pg(url: str) -> None:
    """Drop a database made by pg_database."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
