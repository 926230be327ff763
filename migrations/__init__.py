"""Alembic revisions for the platform's own tables (``xrm_*``); entity tables are not here.

Entity tables follow the metadata and are planned by :mod:`xrm.platform.migrate`.
This folder is found through the installed package, so it works from a wheel too.
"""
