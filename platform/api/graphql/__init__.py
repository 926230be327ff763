"""The generated GraphQL API: the Registry becomes a strawberry schema, served at /graphql.

``build_schema(registry, storage)`` builds the schema of one metadata version (pure;
the :class:`~.holder.SchemaHolder` keeps one per version and swaps it when metadata
changes); ``graphql_routes(...)`` gives the Starlette routes (POST executes, GET
serves GraphiQL from local assets).
"""
