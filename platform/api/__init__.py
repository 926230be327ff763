"""The platform's HTTP APIs, generated from the Registry (GraphQL today).

Every request names its acting principal through :func:`.actor.request_actor` and
reads and writes only through the storage repository.
"""
