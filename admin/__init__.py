"""What ops do to stored scan-entry records besides importing them: batch delete (admin.scans)."""
