"""Loader tests use the fresh-database fixtures of tests/conftest.py."""
