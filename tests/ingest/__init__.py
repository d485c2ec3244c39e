"""Tests of recdb.ingest."""
