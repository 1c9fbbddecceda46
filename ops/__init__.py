"""The operator's kit: logging, metrics, backups (issue 26)."""
