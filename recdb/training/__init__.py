"""recdb.training."""
