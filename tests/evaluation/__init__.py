"""Tests of recdb.evaluation."""
