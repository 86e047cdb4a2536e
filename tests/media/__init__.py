"""Tests of the pure media library (no Flask, no database)."""
