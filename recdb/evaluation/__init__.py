"""recdb.evaluation."""
