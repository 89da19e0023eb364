"""Applying a roster in bulk, in two streaming passes over the file: check everything, then write.

Pass one (core.services.roster_check) validates every line and checks the whole file against the
database, writing nothing, so a bad row anywhere changes nothing. Pass two (core.services.roster_write)
reads the file again and writes it a chunk at a time with a few Core statements (COPY on PostgreSQL).
Memory holds one chunk of rows and an entry per person (their email and id), never the whole file or
ORM objects, and no statement carries more than a few thousand parameters (PostgreSQL refuses more
than 65,535).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from core.services.roster import IdCheck, ImportReport
from core.services.roster_check import check_roster
from core.services.roster_write import write_roster


def import_roster(session: Session, path: Path, now: datetime, id_checks: Mapping[str, IdCheck] | None = None,
                  *, full: bool = False) -> ImportReport:
    """Apply a roster whole (create or update people); any bad row changes nothing.

    With `full`, the file is the complete list (an HR export): people missing from it are marked left,
    their enrollments stop and their history stays; importing them again brings them back.
    """
    session.flush()
    checked = check_roster(session, path, id_checks, full)
    report = write_roster(session, path, id_checks, checked, now, full)
    session.expire_all()
    return report
