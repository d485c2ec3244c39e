"""recdb.nightly."""
