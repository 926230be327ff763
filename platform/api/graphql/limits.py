"""How much one request may ask for: page sizes, depth, cost, document size, batch size.

Depth and document size are checked while validating the document (strawberry's
``QueryDepthLimiter``, ``MaxTokensLimiter``, ``MaxAliasesLimiter``). Cost is counted while
planning each root field, with the arguments' real values: every connection costs
its page size times the number of parents it is fetched for, every lookup one per
parent, and a request past ``max_cost`` is refused before any SQL runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import BadRequest


@dataclass(frozen=True)
class Limits:
    default_page_size: int = 50
    max_page_size: int = 500
    max_depth: int = 15
    #: Records a request may plan to return, over all its lists and lookups.
    max_cost: int = 50_000
    max_tokens: int = 50_000
    max_aliases: int = 100
    #: Records in one bulk mutation.
    max_batch: int = 1000
    #: Request body, in bytes.
    max_body: int = 5 * 1024 * 1024
    #: Parsed and validated documents kept per worker.
    document_cache: int = 256

    def page_size(self, requested: int | None, argument: str) -> int:
        """The page size to use for ``first``/``last``; BadRequest when out of range."""
        if requested is None:
            return self.default_page_size
        if requested < 0 or requested > self.max_page_size:
            raise BadRequest(
                f"{argument} must be between 0 and {self.max_page_size}, not {requested}",
                suggestion="page through longer lists with the cursors",
            )
        return requested


class Budget:
    """The cost one request has spent so far (see the module docstring)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.spent = 0

    def spend(self, cost: int, where: str) -> None:
        self.spent += cost
        if self.spent > self.limits.max_cost:
            raise BadRequest(
                f"the request could return {self.spent} records (at {where}), more than "
                f"the {self.limits.max_cost} allowed",
                suggestion="ask for smaller pages (first/last) or fewer nested lists",
            )
