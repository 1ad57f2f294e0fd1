"""The best-practice audit: one table of checks (`checks.CHECKS`), each proven on the snapshot."""
