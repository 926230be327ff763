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


#: Where the page's own start-up script is served (no inline script: the app's CSP).
INIT_PATH: Final = "/graphql/graphiql-init.js"

#: Reads the endpoint and the CSRF token from the page's meta tags, so session-signed-in
#: users can run mutations, then mounts GraphiQL.
INIT_SCRIPT: Final = """(function () {
  function meta(name) {
    var element = document.querySelector('meta[name="' + name + '"]');
    return element ? element.getAttribute("content") : null;
  }
  var headers = {};
  var token = meta("csrf-token");
  if (token) { headers["X-CSRF-Token"] = token; }
  var root = document.getElementById("graphiql");
  document.documentElement.style.height = "100%";
  document.body.style.height = "100%";
  document.body.style.margin = "0";
  root.style.height = "100%";
  var fetcher = GraphiQL.createFetcher({ url: meta("graphql-endpoint"), headers: headers });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true })
  );
})();
"""


def graphiql_page(
    endpoint: str = "/graphql", assets: str = ASSETS_PATH, csrf_token: str | None = None
) -> str:
    """The page; ``csrf_token`` is the signed-in session's token (None for token users)."""
    styles = "".join(f'<link rel="stylesheet" href="{escape(assets)}/{name}">' for name in STYLES)
    scripts = "".join(f'<script src="{escape(assets)}/{name}"></script>' for name in SCRIPTS)
    token = f'<meta name="csrf-token" content="{escape(csrf_token)}">' if csrf_token else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="graphql-endpoint" content="{escape(endpoint)}">
{token}
<title>xrm GraphQL</title>
{styles}
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
{scripts}
<script src="{escape(INIT_PATH)}"></script>
</body>
</html>
"""
