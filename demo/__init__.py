"""Synthetic, obviously fake demo and benchmark data (seeded, deterministic)."""
