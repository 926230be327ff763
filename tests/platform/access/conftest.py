"""Access test world: a tiny sales solution, a business unit tree, teams, users with roles.

Business units: root > sales > east, and root > other. Team ``team_a`` (unit sales)
has alice, bob and erin; ``team_b`` (unit east) has carol. Deals are owned by alice,
bob, carol, team_a and the admin, so every scope has something to include and
something to leave out.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from uuid import UUID

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from xrm.metamodel.registry import load_registry
from xrm.platform.access.control import AccessControl
from xrm.platform.access.passwords import PasswordParams, Passwords
from xrm.platform.access.principal import Principal
from xrm.platform.access.roles import grant_role
from xrm.platform.storage.actor import SYSTEM_ACTOR
from xrm.platform.storage.engine import WRITE
from xrm.platform.storage.repository import Repository
from xrm.platform.storage.tables import StorageModel, build_storage

#: Cheap argon2 parameters, passed explicitly wherever a test hashes passwords.
FAST: Final = PasswordParams(time_cost=1, memory_cost=8, parallelism=1)

FILES: Final[Mapping[str, str]] = {
    "entities/user.yaml": """
        extend: user
        fields:
          region: {type: choice, options: [emea, apac]}
          vendor_org: {type: lookup, target: vendor}
    """,
    "entities/vendor.yaml": """
        entity: vendor
        ownership: organization
        fields:
          name: {type: string, required: true}
    """,
    "entities/tag.yaml": """
        entity: tag
        ownership: organization
        fields:
          name: {type: string, required: true}
    """,
    "entities/account.yaml": """
        entity: account
        fields:
          name: {type: string, required: true}
          region: {type: choice, options: [emea, apac]}
          partner_name: {type: string}
          vat_number: {type: string}
          revenue: {type: decimal}
          revenue_band:
            type: formula
            returns: string
            expression: "if(revenue > 1000, 'big', 'small')"
          deal_count: {type: rollup, relation: deals, aggregate: count}
        relations:
          deals: {type: one_to_many, target: deal, field: account}
    """,
    "entities/deal.yaml": """
        entity: deal
        fields:
          name: {type: string, required: true}
          account: {type: lookup, target: account}
          vendor: {type: lookup, target: vendor}
          amount: {type: decimal}
          margin: {type: decimal}
          margin_pct: {type: formula, returns: decimal, expression: "margin / amount"}
          stage: {type: choice, options: [open, won, lost], default: open}
        relations:
          tags: {type: many_to_many, target: tag}
    """,
    "roles/seller.yaml": """
        role: seller
        entities:
          deal: {read: business_unit, create: own, update: own, delete: own, assign: own,
                 share: own}
          account: {read: business_unit, create: own, update: own}
          vendor: {read: all}
          user: {read: all}
          team: {read: all}
        fields:
          deal.margin: {read: false}
          account.revenue: {read: false}
          account.vat_number: {update: false}
        rules:
          - entity: deal
            update: "stage != 'won'"
    """,
    "roles/teamlead.yaml": """
        role: teamlead
        entities:
          deal: {read: team, update: team}
          account: {read: all}
    """,
    "roles/manager.yaml": """
        role: manager
        entities:
          deal: {read: business_unit_and_children, update: business_unit_and_children,
                 delete: business_unit_and_children, assign: business_unit_and_children}
          account: {read: all}
          tag: {read: all}
          user: {read: all}
    """,
    "roles/auditor.yaml": """
        role: auditor
        entities:
          deal: {read: all}
          account: {read: all}
    """,
    "roles/regional.yaml": """
        role: regional
        entities:
          account: {read: all}
        rules:
          - entity: account
            read: "region = $user.region"
    """,
    "roles/partner.yaml": """
        role: partner
        entities:
          deal: {read: all}
          account: {read: all}
          vendor: {read: all}
        rules:
          - entity: deal
            read: "vendor = $user.vendor_org"
          - entity: account
            read: "partner_name = $user.vendor_org.name"
    """,
}

#: Deal -> (owner, account) in the world.
DEALS: Final[Mapping[str, tuple[str, str]]] = {
    "d_alice": ("alice", "acc_east"),
    "d_bob": ("bob", "acc_sales"),
    "d_carol": ("carol", "acc_east"),
    "d_team": ("team_a", "acc_sales"),
    "d_root": ("admin", "acc_sales"),
}

#: User -> (business unit, roles, teams, extra fields).
USERS: Final[Mapping[str, tuple[str, tuple[str, ...], tuple[str, ...], Mapping[str, Any]]]] = {
    "admin": ("root", ("system_administrator",), (), {}),
    "alice": ("sales", ("seller",), ("team_a",), {"region": "emea"}),
    "bob": ("sales", ("seller",), ("team_a",), {}),
    "carol": ("east", ("seller",), ("team_b",), {}),
    "dave": ("sales", ("manager",), (), {}),
    "erin": ("sales", ("teamlead",), ("team_a",), {}),
    "audrey": ("other", ("auditor",), (), {}),
    "rita": ("east", ("regional",), (), {"region": "apac"}),
    "vic": ("other", ("partner",), (), {"vendor_org": "v1"}),
    "nobody": ("other", (), (), {}),
}


def write_solution(root: Path, files: Mapping[str, str]) -> Path:
    texts = {"solution.yaml": "name: demo\nversion: 1.0.0\n", **files}
    for relative, text in texts.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def create_tables(engine: Engine, storage: StorageModel) -> None:
    with engine.begin() as connection:
        storage.metadata.create_all(connection, checkfirst=False)


@dataclass
class World:
    engine: Engine
    storage: StorageModel
    control: AccessControl
    ids: dict[str, UUID] = field(default_factory=dict)

    @contextmanager
    def connection(self, *, rollback: bool = False) -> Iterator[Connection]:
        """A write transaction: committed on success, or always rolled back."""
        with (
            self.engine.connect().execution_options(**{WRITE: True}) as connection,
            connection.begin() as transaction,
        ):
            yield connection
            if rollback:
                transaction.rollback()

    def principal(self, connection: Connection, user: str) -> Principal:
        found = self.control.load_principal(connection, self.ids[user])
        assert found is not None
        return found

    @contextmanager
    def repo(self, user: str | None, *, rollback: bool = False) -> Iterator[Repository]:
        """A repository acting as ``user`` (None: the platform), committed on success
        (or rolled back, to try writes without keeping them)."""
        with self.connection(rollback=rollback) as connection:
            if user is None:
                yield Repository(connection, self.storage, SYSTEM_ACTOR)
            else:
                principal = self.principal(connection, user)
                yield Repository(connection, self.storage, self.control.actor(principal))

    def name_of(self, id_: UUID) -> str:
        return next(name for name, known in self.ids.items() if known == id_)

    def names(self, records: list[dict[str, Any]]) -> set[str]:
        return {self.name_of(record["id"]) for record in records}


def build_world(engine: Engine, control: AccessControl) -> World:
    storage = control.storage
    create_tables(engine, storage)
    world = World(engine, storage, control)
    ids = world.ids
    with world.repo(None) as repo:
        ids["root"] = repo.create("business_unit", {"name": "Root", "code": "root"})["id"]
        for name, parent in (("sales", "root"), ("east", "sales"), ("other", "root")):
            fields = {"name": name.title(), "code": name, "parent": ids[parent]}
            ids[name] = repo.create("business_unit", fields)["id"]
        ids["v1"] = repo.create("vendor", {"name": "V1"})["id"]
        ids["v2"] = repo.create("vendor", {"name": "V2"})["id"]
        ids["tag1"] = repo.create("tag", {"name": "hot"})["id"]
        for user, (home, _, _, extra) in USERS.items():
            values: dict[str, object] = {
                "email": f"{user}@example.com",
                "name": user.title(),
                "business_unit": ids[home],
            }
            values.update({k: ids.get(str(v), v) for k, v in extra.items()})
            ids[user] = repo.create("user", values)["id"]
        for team, home in (("team_a", "sales"), ("team_b", "east")):
            ids[team] = repo.create("team", {"name": team, "business_unit": ids[home]})["id"]
        for user, (_, roles, teams, _) in USERS.items():
            for team in teams:
                repo.link("team", "members", ids[team], ids[user])
            for role in roles:
                grant_role(repo.connection, storage, role, user_id=ids[user])
        accounts = {
            "acc_sales": ("alice", {"region": "emea", "partner_name": "V1", "revenue": "5000"}),
            "acc_east": ("carol", {"region": "apac", "partner_name": "V2", "revenue": "10"}),
        }
        for name, (owner, extra) in accounts.items():
            values = {"name": name, "owner": {"entity": "user", "id": ids[owner]}, **extra}
            ids[name] = repo.create("account", values)["id"]
        for name, (owner, account) in DEALS.items():
            kind = "team" if owner.startswith("team") else "user"
            ids[name] = repo.create(
                "deal",
                {
                    "name": name,
                    "owner": {"entity": kind, "id": ids[owner]},
                    "account": ids[account],
                    "vendor": ids["v1"] if name == "d_bob" else ids["v2"],
                    "amount": "100",
                    "margin": "30",
                },
            )["id"]
    return world


@pytest.fixture(scope="session")
def control(tmp_path_factory: pytest.TempPathFactory) -> AccessControl:
    """The world's storage model and access control: pure, so built once per run."""
    root = write_solution(tmp_path_factory.mktemp("access") / "demo", FILES)
    return AccessControl(build_storage(load_registry([root])))


@pytest.fixture
def world(engine: Engine, control: AccessControl) -> World:
    return build_world(engine, control)


@pytest.fixture
def passwords() -> Passwords:
    return Passwords(FAST)


def count_rows(world: World, table: sa.Table) -> int:
    with world.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


class Statements:
    """Counts the SQL statements sent on an engine while active."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sent: list[str] = []

    def _record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.sent.append(statement)

    def __enter__(self) -> Statements:
        self.sent.clear()
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)
