"""Findings of every command in one shape (`items.Item`), and the formats they are written in:
SARIF for code scanning, Markdown for a pull-request comment."""
