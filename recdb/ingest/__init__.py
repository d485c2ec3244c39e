"""recdb.ingest."""
