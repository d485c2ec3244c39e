"""Tests of recdb's command line."""
