"""Tests of recdb (a package, so helpers import as ``tests.<folder>.<module>``)."""
