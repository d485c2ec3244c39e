"""Tests of the model and its training."""
