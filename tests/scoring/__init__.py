"""Tests of recdb.scoring."""
