"""Tests of hostile inputs and damaged databases."""
