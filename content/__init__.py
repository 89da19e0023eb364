"""What is taught: the track schema, loader, linter and sample library."""
