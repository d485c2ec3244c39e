"""Evaluation: metrics, baselines, and ``runner.evaluate``, which checks the paper's claims."""
