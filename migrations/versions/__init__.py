"""Revisions of the platform's system tables, oldest first (``0001_…``)."""
