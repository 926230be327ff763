"""Identity and access: who is asking (principal), what they may do (policy, row and
field rules compiled to SQL), and what they did (audit).

:class:`~.control.AccessControl` is the entry point: built once per Registry, it loads
principals and turns them into the repository's :class:`~xrm.platform.storage.actor.Actor`.
"""
