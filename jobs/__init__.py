"""Command-line entry points: one small file per command; they parse options and call the library."""
