"""HTTP identity for the screens and the API: sign-in and sign-out with server-side
sessions, CSRF protection, bearer tokens, and THE one function that turns a request
into a principal (:func:`.auth.request_identity`).

The composition root (``xrm.platform.app``) builds a :class:`.auth.WebAuth` in its
lifespan, stores it as ``app.state.auth`` and mounts :func:`.login.auth_routes`.
"""
