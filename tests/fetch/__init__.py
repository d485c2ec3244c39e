"""Tests of fetching releases."""
