"""Records in data/*.yaml: every value checked against its field, every ref resolved."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from xrm.metamodel.data_checks import VALUE_CHECKS
from xrm.metamodel.types import FieldKind

WriteSolution = Callable[..., Path]
Check = Callable[..., list[str]]

ENTITIES = {
    "entities/account.yaml": """
        entity: account
        fields:
          name: {type: string, required: true, max_length: 20}
          code: {type: string, pattern: "^[A-Z]{3}$"}
          notes: {type: text}
          email: {type: email}
          phone: {type: phone}
          website: {type: url}
          employees: {type: integer, min: 0}
          rating: {type: decimal, max: 5}
          revenue: {type: money}
          budget: {type: money, currency: EUR}
          active: {type: boolean}
          since: {type: date}
          seen_at: {type: datetime}
          stage: {type: choice, options: [open, won], default: open}
          tags: {type: multichoice, options: [a, b]}
          parent: {type: lookup, target: account}
          number: {type: autonumber, format: "A-{seq}"}
          logo: {type: file}
          label: {type: formula, returns: string, expression: "upper(name)"}
        relations:
          people:
            type: many_to_many
            target: contact
            fields:
              role: {type: choice, options: [buyer, user]}
        """,
    "entities/contact.yaml": """
        entity: contact
        fields:
          last_name: {type: string}
          account: {type: lookup, target: account, required: true}
        """,
    "entities/note.yaml": """
        entity: note
        fields:
          about: {type: polymorphic_lookup, targets: [account, contact]}
        """,
}


def errors_for(
    write: WriteSolution, check: Check, records: str, entity: str = "account"
) -> list[str]:
    data = f"entity: {entity}\nrecords:\n{records.lstrip(chr(10))}"
    return check(write({**ENTITIES, "data/d.yaml": data}))


def test_a_valid_file(write_solution: WriteSolution, check: Check) -> None:
    records = """
  - ref: acme
    id: 0b0f6f3e-8f7e-4a5e-9d6c-2f1e7c0a9b11
    name: Acme
    code: ACM
    notes: Since 1999.
    email: hello@acme.example.com
    phone: "+33 1 23 45 67 89"
    website: https://acme.example.com
    employees: 120
    rating: 4.5
    revenue: 1200000.50
    budget: {amount: 90000, currency: EUR}
    active: true
    since: 2020-01-31
    seen_at: 2026-03-01T10:00:00Z
    stage: won
    tags: [a, b]
    number: A-0042
    people: [{ref: jane, role: buyer}, {ref: joe}]
  - name: Globex
    parent: {ref: acme}
    stage: null
"""
    contacts = """
entity: contact
records:
  - {ref: jane, last_name: Doe, account: {ref: acme}}
  - {ref: joe, last_name: Bloggs, account: 0b0f6f3e-8f7e-4a5e-9d6c-2f1e7c0a9b11}
"""
    notes = "entity: note\nrecords: [{about: {ref: jane}}, {about: {ref: acme}}, {}]\n"
    root = write_solution(
        {
            **ENTITIES,
            "data/1.yaml": f"entity: account\nrecords:\n{records}",
            "data/2.yaml": contacts,
            "data/3.yaml": notes,
        }
    )
    assert check(root) == []


def test_every_stored_kind_has_a_value_check() -> None:
    assert set(VALUE_CHECKS) == set(FieldKind)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ("{name: 12}", "at records[0].name: expected text, not 12 (quote the value: 'like this')"),
        (
            "{name: Acme Corporation International}",
            "at records[0].name: 30 characters is longer than max_length 20",
        ),
        (
            "{name: A, code: acme}",
            "at records[0].code: 'acme' does not match the pattern '^[A-Z]{3}$'",
        ),
        (
            "{name: A, email: nobody}",
            "at records[0].email: 'nobody' is not an email address "
            "(write it like name@example.com)",
        ),
        (
            "{name: A, website: acme.com}",
            "at records[0].website: 'acme.com' is not a URL (start it with https://)",
        ),
        ("{name: A, employees: 1.5}", "at records[0].employees: expected a whole number, not 1.5"),
        (
            "{name: A, employees: true}",
            "at records[0].employees: expected a whole number, not true",
        ),
        ("{name: A, employees: -1}", "at records[0].employees: -1 is below the minimum 0"),
        (
            "{name: A, rating: '4'}",
            "at records[0].rating: expected a number, not '4' (write numbers without quotes)",
        ),
        ("{name: A, rating: 6}", "at records[0].rating: 6 is above the maximum 5"),
        (
            "{name: A, revenue: {amount: 5, currency: euro}}",
            "at records[0].revenue: currency 'euro' is not a 3-letter code such as EUR",
        ),
        (
            "{name: A, revenue: {value: 5}}",
            "at records[0].revenue: a money value is an amount or {amount: 1200, currency: EUR}",
        ),
        (
            "{name: A, budget: {amount: 5, currency: USD}}",
            "at records[0].budget: this field holds EUR amounts, not USD",
        ),
        ("{name: A, rating: 4.125}", "at records[0].rating: 4.125 has more than 2 decimal places"),
        (
            "{name: A, phone: call me}",
            "at records[0].phone: 'call me' is not a phone number "
            "(use digits, spaces and + ( ) - . /, e.g. '+33 1 23 45 67 89')",
        ),
        (
            "{name: A, revenue: [1]}",
            "at records[0].revenue: expected a number, not a list (write numbers without quotes)",
        ),
        ("{name: A, active: yes}", "at records[0].active: expected true or false, not 'yes'"),
        (
            "{name: A, since: 31/01/2020}",
            "at records[0].since: expected a date, not '31/01/2020' (write dates as 2026-03-31)",
        ),
        (
            "{name: A, since: 2020-01-31T10:00:00Z}",
            "at records[0].since: expected a date, not the date and time "
            "2020-01-31T10:00:00+00:00 (write dates as 2026-03-31)",
        ),
        (
            "{name: A, seen_at: 2020-01-31}",
            "at records[0].seen_at: expected a date and time, not the date 2020-01-31 "
            "(write it as 2026-03-31T14:30:00Z)",
        ),
        (
            "{name: A, stage: wonn}",
            "at records[0].stage: 'wonn' is not an option (did you mean 'won'?)",
        ),
        (
            "{name: A, tags: a}",
            "at records[0].tags: expected a list of options, not 'a' (write [a, b])",
        ),
        (
            "{name: A, tags: [a, c]}",
            "at records[0].tags: 'c' is not an option (expected one of: a, b)",
        ),
        (
            "{name: A, logo: logo.png}",
            "at records[0].logo: files cannot be loaded from data files "
            "(upload them once the records exist)",
        ),
        (
            "{name: A, label: X}",
            "at records[0].label: 'label' is computed and cannot be loaded (remove it)",
        ),
        (
            "{name: A, nmae: B}",
            "at records[0].nmae: unknown field 'nmae' on 'account' (did you mean 'name'?)",
        ),
        ("{name: null}", "at records[0].name: a required field cannot be null"),
        (
            "{code: ABC}",
            "at records[0]: this account record is missing required field(s) 'name' "
            "(add them to the record)",
        ),
        ("{name: A, id: 42}", "at records[0].id: id must be a UUID (or leave it out)"),
    ],
)
def test_bad_values(write_solution: WriteSolution, check: Check, record: str, message: str) -> None:
    [error] = errors_for(write_solution, check, f"  - {record}\n")
    assert error.startswith("demo/data/d.yaml:3:")
    assert error.split(": ", 1)[1] == message


def test_refs(write_solution: WriteSolution, check: Check) -> None:
    records = """
  - {ref: acme, name: Acme}
  - {ref: acme, name: Acme again}
  - {ref: [x], name: Listed}
  - {name: B, parent: {ref: acne}}
  - {name: C, parent: acme}
  - {name: D, parent: {ref: acme, name: Acme}}
"""
    assert errors_for(write_solution, check, records) == [
        "demo/data/d.yaml:4:11: at records[1].ref: ref 'acme' is already used "
        "(see demo/data/d.yaml line 3; refs are unique across data files)",
        "demo/data/d.yaml:5:11: at records[2].ref: a ref must be a name (write ref: acme_corp)",
        "demo/data/d.yaml:6:29: at records[3].parent.ref: no record has ref 'acne' "
        "(did you mean 'acme'?)",
        "demo/data/d.yaml:7:23: at records[4].parent: a lookup value is {ref: <key>} or a UUID, "
        "not 'acme' (point at another record's ref, e.g. {ref: acme})",
        "demo/data/d.yaml:8:23: at records[5].parent: a lookup value is {ref: <key>} or a UUID, "
        "not a mapping (point at another record's ref, e.g. {ref: acme})",
    ]


def test_refs_must_point_at_the_right_entity(write_solution: WriteSolution, check: Check) -> None:
    files = {
        **ENTITIES,
        "data/a.yaml": "entity: account\nrecords: [{ref: acme, name: Acme}]\n",
        "data/c.yaml": "entity: contact\nrecords:\n  - {ref: jane, account: {ref: jane}}\n",
        "data/n.yaml": "entity: note\nrecords:\n  - {about: {ref: nobody}}\n",
    }
    assert check(write_solution(files)) == [
        "demo/data/c.yaml:3:32: at records[0].account.ref: ref 'jane' is a contact, but this "
        "lookup points at account",
        "demo/data/n.yaml:3:19: at records[0].about.ref: no record has ref 'nobody' "
        "(expected one of: acme, jane)",
    ]


def test_many_to_many_links(write_solution: WriteSolution, check: Check) -> None:
    files = {
        **ENTITIES,
        "data/c.yaml": "entity: contact\nrecords: [{ref: jane, account: {ref: acme}}]\n",
        "data/a.yaml": """entity: account
records:
  - ref: acme
    name: Acme
    people:
      - {ref: jane, role: boss}
      - {ref: jane, rank: 1}
      - jane
  - name: Globex
    people: {ref: jane}
""",
    }
    assert check(write_solution(files)) == [
        "demo/data/a.yaml:6:27: at records[0].people[0].role: 'boss' is not an option "
        "(expected one of: buyer, user)",
        "demo/data/a.yaml:7:21: at records[0].people[1].rank: unknown link field 'rank' "
        "(expected one of: role)",
        "demo/data/a.yaml:8:9: at records[0].people[2]: each link is {ref: <key>, "
        "<link field>: value…}",
        "demo/data/a.yaml:10:13: at records[1].people: links are a list, not a mapping "
        "(write - {ref: key} for each linked record)",
    ]


def test_one_to_many_relations_are_loaded_from_the_other_side(
    write_solution: WriteSolution, check: Check
) -> None:
    files = {
        **ENTITIES,
        "entities/account.yaml": ENTITIES["entities/account.yaml"].replace(
            "        relations:\n",
            "        relations:\n"
            "          contacts: {type: one_to_many, target: contact, field: account}\n",
        ),
        "data/a.yaml": "entity: account\nrecords: [{name: A, contacts: []}]\n",
    }
    assert check(write_solution(files)) == [
        "demo/data/a.yaml:2:21: at records[0].contacts: unknown field 'contacts' on 'account' "
        "(load 'contacts' records from a data file of their own entity)"
    ]
