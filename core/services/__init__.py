"""Use cases over the learning record; each takes the session and clock instant it needs."""
