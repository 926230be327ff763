"""The GraphiQL page served at ``GET /graphql``, loading only local assets (no CDN).

The assets (React, ReactDOM, GraphiQL; pinned in ``ui/package.json``) are copied by
``make assets`` into ``ui/static/vendor/graphiql/`` and served under ``ASSETS_PATH``.
"""

from __future__ import annotations

from html import escape
from typing import Final

#: Where the app mounts the vendored GraphiQL files.
ASSETS_PATH: Final = "/graphql/assets"
#: The files the page loads, in order (all of them must be in the vendor folder).
SCRIPTS: Final = ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js")
STYLES: Final = ("graphiql.min.css",)


def graphiql_page(endpoint: str = "/graphql", assets: str = ASSETS_PATH) -> str:
    styles = "".join(f'<link rel="stylesheet" href="{escape(assets)}/{name}">' for name in STYLES)
    scripts = "".join(f'<script src="{escape(assets)}/{name}"></script>' for name in SCRIPTS)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>xrm GraphQL</title>
{styles}
<style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
{scripts}
<script>
  const fetcher = GraphiQL.createFetcher({{ url: {escape(endpoint)!r} }});
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {{ fetcher, defaultEditorToolsVisibility: true }})
  );
</script>
</body>
</html>
"""
