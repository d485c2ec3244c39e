"""recdb.scoring."""
