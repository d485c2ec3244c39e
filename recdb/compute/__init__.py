"""Where training and scoring run: the local engine (this process) or a Ray cluster (docs/scaling.md)."""
