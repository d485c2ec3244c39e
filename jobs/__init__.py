"""Command-line entry points: one small file per command; they parse options and call the library.

Each command imports the library inside its own body, so ``recdb --help`` (and every other command)
loads only click, the settings and the one command's modules: torch, Polars and DuckDB cost seconds.
``tests/test_packaging.py`` checks it.
"""
