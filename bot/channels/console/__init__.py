"""Console channel: a terminal chat for trying nudgebot locally."""
