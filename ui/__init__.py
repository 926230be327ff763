"""The screens: HTMX pages generated from the Registry, served by the application itself.

Every entity of every solution gets a list, a form and a record page without a line of
Python: forms and views come from the YAML when declared, and are made up otherwise.
Starlette routes render Jinja2 templates (autoescaped); htmx swaps fragments in place,
and every address also works as a full page (deep links, refresh, back button).

One concept per module:

* :mod:`.routes` — addresses to handlers; :mod:`.context` — one request (principal,
  language, transaction, CSRF); :mod:`.screens` — what lives as long as the process;
* :mod:`.navigation` — the app shell (areas, user menu); :mod:`.search` — global
  search and lookup typeaheads;
* :mod:`.lists` — views, columns, sorting, paging; :mod:`.filter_builder` — filter
  rows to storage filters; :mod:`.export` — CSV of a list;
* :mod:`.forms` — PURE: FormDef + data + errors -> view model; :mod:`.widgets` — one
  widget per field kind; :mod:`.rules` and :mod:`.evaluator` — form conditions and
  formulas evaluated on unsaved values; :mod:`.editing` — a form on a request;
* :mod:`.records` — the record page and its handlers; :mod:`.related` — related
  lists; :mod:`.activity` — timeline and history; :mod:`.files` — uploads;
* :mod:`.i18n` — UI catalogues (``locales/``), metadata labels, babel formats;
  :mod:`.labels` — record names in batches; :mod:`.urls` — every address;
  :mod:`.security` — the Content-Security-Policy.

Boards, calendars, dashboards and personal views build on :mod:`.lists`: a
:class:`~.lists.ListQuery` (from the address) resolved by :func:`~.lists.prepare`
into a :class:`~.lists.ListRequest` is what any of them asks the repository for.
"""
