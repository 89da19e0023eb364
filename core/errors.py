"""Errors a user can cause; the CLI prints them as one line and exits non-zero."""


class UserError(Exception):
    """A mistake in what a user asked for or supplied, with a one-sentence explanation."""
