"""recdb.features."""
