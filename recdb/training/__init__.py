"""Training: splits (``splits``), the training loop (``trainer.train_model``), checkpoints and the
model registry (``registry``)."""
