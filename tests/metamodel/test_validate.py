"""``xrm check`` errors: one test per kind, each asserting file:line:column, YAML path,
message and suggestion exactly as printed.

Every test starts from BASE, a small valid solution, and adds or replaces one file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

WriteSolution = Callable[..., Path]
Check = Callable[..., list[str]]

ACCOUNT = """
entity: account
fields:
  name: {type: string, required: true}
  stage: {type: choice, options: [open, won, lost]}
  amount: {type: money}
  employees: {type: integer}
  tags: {type: multichoice, options: [a, b]}
relations:
  contacts: {type: one_to_many, target: contact, field: account}
"""

CONTACT = """
entity: contact
fields:
  last_name: {type: string}
  email: {type: email}
  account: {type: lookup, target: account}
"""

BASE = {"entities/account.yaml": ACCOUNT, "entities/contact.yaml": CONTACT}


def errors(write: WriteSolution, check: Check, **files: str) -> list[str]:
    """The errors of BASE plus ``files`` (keys use '__' for '/': ``forms__f_yaml``)."""
    written = {
        key.replace("__", "/").replace("_yaml", ".yaml"): text for key, text in files.items()
    }
    return check(write({**BASE, **written}))


def test_the_base_solution_is_valid(write_solution: WriteSolution, check: Check) -> None:
    assert errors(write_solution, check) == []


# ------------------------------------------------------------------------ shapes


def test_unknown_key_suggests_the_right_one(write_solution: WriteSolution, check: Check) -> None:
    entity = "entity: lead\nfields:\n  topic: {type: string, requried: true}\n"
    assert errors(write_solution, check, entities__lead_yaml=entity) == [
        "demo/entities/lead.yaml:3:25: at fields.topic.requried: unknown key 'requried' "
        "(did you mean 'required'?)"
    ]


def test_unknown_entity_key_suggests_the_entity(
    write_solution: WriteSolution, check: Check
) -> None:
    role = "role: sales\nentities:\n  acount: {read: all}\n"
    assert errors(write_solution, check, roles__sales_yaml=role) == [
        "demo/roles/sales.yaml:3:3: at entities.acount: unknown entity 'acount' "
        "(did you mean 'account'?)"
    ]


def test_unknown_field_type(write_solution: WriteSolution, check: Check) -> None:
    entity = "entity: lead\nfields:\n  budget: {type: monye}\n"
    assert errors(write_solution, check, entities__lead_yaml=entity) == [
        "demo/entities/lead.yaml:3:18: at fields.budget.type: unknown type 'monye' "
        "(did you mean 'money'?)"
    ]


def test_yaml_syntax_error(write_solution: WriteSolution, check: Check) -> None:
    entity = "entity: lead\nfields:\n  topic: {type: string\n"
    assert errors(write_solution, check, entities__lead_yaml=entity) == [
        "demo/entities/lead.yaml:4:1: YAML syntax error: expected ',' or '}', but got "
        "'<stream end>' while parsing a flow mapping "
        "(check indentation and quoting around this position)"
    ]


def test_a_file_must_say_what_it_declares(write_solution: WriteSolution, check: Check) -> None:
    assert errors(
        write_solution, check, entities__lead_yaml="fields: {}\n", views__v_yaml="- a\n- b\n"
    ) == [
        "demo/entities/lead.yaml:1:1: this file must start with 'entity:' or 'extend:' "
        "(add entity: <name> at the top)",
        "demo/views/v.yaml:1:1: expected a mapping of keys to values at the top of the file "
        "(see docs/yaml-reference.md for the shape of this file)",
    ]


def test_unknown_folders_and_missing_manifest(
    write_solution: WriteSolution, check: Check, tmp_path: Path
) -> None:
    root = write_solution({**BASE, "screens/x.yaml": "a: 1\n"})
    assert check(root) == [
        "demo/screens: unknown folder 'screens' in a solution "
        "(solution folders are: entities, forms, views, roles, i18n, data)"
    ]
    (root / "solution.yaml").unlink()
    assert check(root) == [
        "demo: solution.yaml is missing (every solution folder starts with solution.yaml "
        "(name, version))"
    ]
    assert check(tmp_path / "nowhere") == ["nowhere: no such solution folder"]


# ------------------------------------------------------------------------- names


def test_reserved_words(write_solution: WriteSolution, check: Check) -> None:
    entity = "entity: lead\nfields:\n  select: {type: string}\n"
    assert errors(write_solution, check, entities__lead_yaml=entity) == [
        "demo/entities/lead.yaml:3:3: at fields.select: 'select' is a reserved word "
        "(choose another name; keywords of SQL and of the expression language are reserved)"
    ]


def test_names_longer_than_postgresql_allows(write_solution: WriteSolution, check: Check) -> None:
    long = "a_" + "very_" * 12 + "long_name"  # 71 bytes
    entity = f"entity: lead\nfields:\n  {long}: {{type: string}}\n"
    assert errors(write_solution, check, entities__lead_yaml=entity) == [
        f"demo/entities/lead.yaml:3:3: at fields.{long}: '{long}' is 71 bytes long; "
        "PostgreSQL identifiers are limited to 63 bytes (shorten it to 63 bytes or fewer)"
    ]


def test_multibyte_names_count_bytes_not_characters(
    write_solution: WriteSolution, check: Check
) -> None:
    # Names are ASCII identifiers, so a Cyrillic name is refused before its length counts.
    entity = "entity: lead\nfields:\n  имя: {type: string}\n"
    [error] = errors(write_solution, check, entities__lead_yaml=entity)
    assert error.startswith("demo/entities/lead.yaml:3:3: at fields.имя: 'имя' is not a valid name")


def test_generated_names_must_fit_too(write_solution: WriteSolution, check: Check) -> None:
    name = "regarding_the_records_this_activity_is_about_in_the_crm"  # 55 bytes
    entity = f"""
    entity: activity
    fields:
      {name}: {{type: polymorphic_lookup, targets: [account, contact]}}
    relations:
      {name}_links: {{type: many_to_many, target: contact}}
    """
    assert errors(write_solution, check, entities__activity_yaml=entity) == [
        f"demo/entities/activity.yaml:3:3: at fields.{name}: the generated column name "
        f"'{name}__account' is 64 bytes; PostgreSQL allows 63 (shorten the names involved)",
        f"demo/entities/activity.yaml:3:3: at fields.{name}: the generated column name "
        f"'{name}__contact' is 64 bytes; PostgreSQL allows 63 (shorten the names involved)",
        f"demo/entities/activity.yaml:5:3: at relations.{name}_links: the generated table "
        f"name 'activity__{name}_links' is 71 bytes; PostgreSQL allows 63 "
        "(shorten the names involved)",
    ]


def test_duplicate_entities(write_solution: WriteSolution, check: Check) -> None:
    copy = "entity: account\nfields:\n  code: {type: string}\n"
    assert errors(write_solution, check, entities__zz_account_yaml=copy) == [
        "demo/entities/zz_account.yaml:1:9: at entity: entity 'account' is already declared by "
        "solution 'demo' (see demo/entities/account.yaml; to add fields to it, write "
        "'extend: account')"
    ]


def test_duplicate_fields(write_solution: WriteSolution, check: Check) -> None:
    entity = "entity: lead\nfields:\n  topic: {type: string}\n  topic: {type: text}\n"
    extension = "extend: account\nfields:\n  stage: {type: string}\n"
    assert errors(
        write_solution, check, entities__lead_yaml=entity, entities__more_yaml=extension
    ) == [
        "demo/entities/lead.yaml:4:3: at fields.topic: duplicate key 'topic' "
        "(it is already set at line 3; keep one of them)",
        "demo/entities/more.yaml:3:3: at fields.stage: field 'stage' is already declared "
        "(first declared in demo/entities/account.yaml)",
    ]


def test_system_field_names_are_taken(write_solution: WriteSolution, check: Check) -> None:
    entity = "entity: lead\nfields:\n  owner: {type: string}\n"
    assert errors(write_solution, check, entities__lead_yaml=entity) == [
        "demo/entities/lead.yaml:3:3: at fields.owner: 'owner' is a system field that every "
        "entity already has (choose another name, e.g. 'lead_owner')"
    ]


def test_platform_prefix_is_reserved(write_solution: WriteSolution, check: Check) -> None:
    assert errors(write_solution, check, entities__x_yaml="entity: xrm_file\n") == [
        "demo/entities/x.yaml:1:9: at entity: entity names starting with 'xrm_' are reserved "
        "for the platform"
    ]


def test_duplicate_views_forms_and_roles(write_solution: WriteSolution, check: Check) -> None:
    view = "view: all_accounts\nentity: account\ncolumns: [name]\n"
    form = (
        "form: account_main\nentity: account\n"
        "tabs: [{name: t, sections: [{name: s, fields: [name]}]}]\n"
    )
    role = "role: sales\n"
    found = errors(
        write_solution,
        check,
        views__a_yaml=view,
        views__b_yaml=view,
        forms__a_yaml=form,
        forms__b_yaml=form,
        roles__a_yaml=role,
        roles__b_yaml=role,
    )
    assert found == [
        "demo/forms/b.yaml:1:7: at form: form 'account_main' is already declared "
        "(see demo/forms/a.yaml; to add to it, write 'extend_form: account_main')",
        "demo/roles/b.yaml:1:7: at role: role 'sales' is already declared (see demo/roles/a.yaml)",
        "demo/views/b.yaml:1:7: at view: view 'all_accounts' is already declared "
        "(see demo/views/a.yaml)",
    ]


# ---------------------------------------------------------------- fields, relations


def test_lookup_to_a_missing_entity(write_solution: WriteSolution, check: Check) -> None:
    entity = "entity: lead\nfields:\n  company: {type: lookup, target: acount}\n"
    # Paths through the broken lookup are not reported again.
    view = 'view: leads\nentity: lead\ncolumns: [company.name]\nfilter: "company.x = 1"\n'
    assert errors(write_solution, check, entities__lead_yaml=entity, views__v_yaml=view) == [
        "demo/entities/lead.yaml:3:35: at fields.company.target: unknown entity 'acount' "
        "(did you mean 'account'?)"
    ]


def test_polymorphic_target_missing(write_solution: WriteSolution, check: Check) -> None:
    entity = (
        "entity: task\nfields:\n  about: {type: polymorphic_lookup, targets: [account, lead]}\n"
    )
    assert errors(write_solution, check, entities__task_yaml=entity) == [
        "demo/entities/task.yaml:3:56: at fields.about.targets[1]: unknown entity 'lead' "
        "(expected one of: account, business_unit, contact, task, team, user)"
    ]


def test_formula_referencing_a_missing_field(write_solution: WriteSolution, check: Check) -> None:
    extension = """
    extend: account
    fields:
      revenue: {type: formula, returns: money, expression: "amount * probabilty / 100"}
    """
    assert errors(write_solution, check, entities__more_yaml=extension) == [
        "demo/entities/more.yaml:3:66: at fields.revenue.expression: in expression "
        "'amount * probabilty / 100': unknown field 'probabilty' on entity 'account'"
    ]


def test_formula_through_a_lookup(write_solution: WriteSolution, check: Check) -> None:
    extension = """
    extend: contact
    fields:
      company: {type: formula, returns: string, expression: account.nme}
      size: {type: formula, returns: integer, expression: account.employees}
      deep: {type: formula, returns: string, expression: email.domain}
    """
    assert errors(write_solution, check, entities__more_yaml=extension) == [
        "demo/entities/more.yaml:3:57: at fields.company.expression: in expression "
        "'account.nme': unknown field 'nme' on entity 'account' (did you mean 'name'?)",
        "demo/entities/more.yaml:5:54: at fields.deep.expression: in expression "
        "'email.domain': 'email' is not a lookup, so 'email.domain' cannot follow it "
        "(only single-target lookups can be followed with '.')",
    ]


def test_formula_mixing_types(write_solution: WriteSolution, check: Check) -> None:
    extension = """
    extend: account
    fields:
      label: {type: formula, returns: string, expression: "name + employees"}
      big: {type: formula, returns: boolean, expression: "amount > 'lots'"}
      half: {type: formula, returns: integer, expression: "employees / 2"}
    """
    assert errors(write_solution, check, entities__more_yaml=extension) == [
        "demo/entities/more.yaml:3:61: at fields.label.expression: in expression "
        "'name + employees': cannot apply '+' to string and integer "
        "(join text with || or concat(a, b))",
        "demo/entities/more.yaml:4:62: at fields.big.expression: in expression "
        "\"amount > 'lots'\": cannot compare money with string "
        "(numbers are written without quotes)",
        "demo/entities/more.yaml:5:56: at fields.half.expression: in expression "
        "'employees / 2': the expression gives a decimal but an integer is needed "
        "(use round(..., 0) and declare returns: decimal, or return decimal)",
    ]


def test_choice_literal_that_is_not_an_option(write_solution: WriteSolution, check: Check) -> None:
    extension = """
    extend: account
    fields:
      is_won: {type: formula, returns: boolean, expression: "stage = 'wom'"}
    """
    assert errors(write_solution, check, entities__more_yaml=extension) == [
        "demo/entities/more.yaml:3:66: at fields.is_won.expression: in expression "
        "\"stage = 'wom'\": 'wom' is not an option of stage (did you mean 'won'?)"
    ]


def test_formula_cycles(write_solution: WriteSolution, check: Check) -> None:
    extension = """
    extend: account
    fields:
      a: {type: formula, returns: integer, expression: "b + 1"}
      b: {type: formula, returns: integer, expression: "a + 1"}
    """
    assert errors(write_solution, check, entities__more_yaml=extension) == [
        "demo/entities/more.yaml:3:52: at fields.a.expression: formulas refer to each other "
        "in a cycle: account.a -> account.b -> account.a "
        "(break the cycle: one of them must not use the other)"
    ]


def test_computed_fields_cannot_be_stored_things(
    write_solution: WriteSolution, check: Check
) -> None:
    extension = """
    extend: account
    fields:
      size: {type: formula, returns: integer, expression: employees, unique: true}
      code: {type: integer, searchable: true}
      labels: {type: multichoice, options: [x], indexed: true}
    """
    assert errors(write_solution, check, entities__more_yaml=extension) == [
        "demo/entities/more.yaml:3:74: at fields.size.unique: a formula field is computed on "
        "read and cannot be unique (remove unique: true)",
        "demo/entities/more.yaml:4:37: at fields.code.searchable: only text fields can be "
        "searchable, not integer",
        "demo/entities/more.yaml:5:54: at fields.labels.indexed: a multichoice field cannot be "
        "indexed (remove indexed: true)",
    ]


def test_rollup_over_an_unknown_relation(write_solution: WriteSolution, check: Check) -> None:
    extension = """
    extend: account
    fields:
      people: {type: rollup, relation: contcts, aggregate: count}
    """
    assert errors(write_solution, check, entities__more_yaml=extension) == [
        "demo/entities/more.yaml:3:36: at fields.people.relation: 'account' has no relation "
        "'contcts' (did you mean 'contacts'?)"
    ]


def test_rollup_sum_of_a_non_number(write_solution: WriteSolution, check: Check) -> None:
    extension = """
    extend: account
    fields:
      mails: {type: rollup, relation: contacts, aggregate: sum, field: email}
      last: {type: rollup, relation: contacts, aggregate: max, field: emial}
      active: {type: rollup, relation: contacts, aggregate: count, filter: "email = 1"}
    """
    assert errors(write_solution, check, entities__more_yaml=extension) == [
        "demo/entities/more.yaml:3:68: at fields.mails.field: cannot sum 'email': it is a "
        "string, not a number (use count, min or max, or pick a numeric field)",
        "demo/entities/more.yaml:4:67: at fields.last.field: unknown field 'emial' on "
        "'contact' (did you mean 'email'?)",
        "demo/entities/more.yaml:5:79: at fields.active.filter: in expression 'email = 1': "
        "cannot compare string with integer (numbers are written without quotes)",
    ]


def test_one_to_many_needs_a_lookup_back(write_solution: WriteSolution, check: Check) -> None:
    extension = """
    extend: account
    relations:
      people: {type: one_to_many, target: contact, field: acount}
      mails: {type: one_to_many, target: contact, field: email}
      name: {type: one_to_many, target: contact, field: account}
    """
    assert errors(write_solution, check, entities__more_yaml=extension) == [
        "demo/entities/more.yaml:3:55: at relations.people.field: 'contact' has no field "
        "'acount' (did you mean 'account'?)",
        "demo/entities/more.yaml:4:54: at relations.mails.field: contact.email is not a "
        "lookup to 'account' (lookups to it: account)",
        "demo/entities/more.yaml:5:3: at relations.name: relation 'name' has the same name "
        "as a field",
    ]


def test_many_to_many_link_fields_and_inverse(write_solution: WriteSolution, check: Check) -> None:
    extension = """
    extend: account
    relations:
      partners:
        type: many_to_many
        target: contact
        inverse: account
        fields:
          since: {type: lookup, target: user}
          source: {type: string}
    """
    assert errors(write_solution, check, entities__more_yaml=extension) == [
        "demo/entities/more.yaml:6:14: at relations.partners.inverse: 'contact' already has "
        "a field or relation named 'account' (choose another inverse name)",
        "demo/entities/more.yaml:8:21: at relations.partners.fields.since.type: a link field "
        "cannot be a lookup (use one of: boolean, choice, date, datetime, decimal, integer, "
        "money, string, text)",
        "demo/entities/more.yaml:9:7: at relations.partners.fields.source: 'source' is "
        "reserved on links",
    ]


def test_two_relations_cannot_share_an_inverse(write_solution: WriteSolution, check: Check) -> None:
    extension = """
    extend: account
    relations:
      advisers: {type: many_to_many, target: contact, inverse: clients}
      partners: {type: many_to_many, target: contact, inverse: clients}
    """
    assert errors(write_solution, check, entities__more_yaml=extension) == [
        "demo/entities/more.yaml:4:60: at relations.partners.inverse: account.advisers "
        "already gives 'contact' a relation named 'clients' (choose another inverse name)"
    ]


def test_primary_field(write_solution: WriteSolution, check: Check) -> None:
    entity = """
    entity: lead
    primary_field: topc
    fields:
      topic: {type: string}
    """
    other = """
    entity: deal
    primary_field: size
    fields:
      size: {type: integer}
      title: {type: formula, returns: string, expression: "concat('Deal ', size)"}
    """
    assert errors(write_solution, check, entities__lead_yaml=entity, entities__deal_yaml=other) == [
        "demo/entities/deal.yaml:2:16: at primary_field: primary_field must be a text field "
        "or a formula returning string, not integer (expected one of: title)",
        "demo/entities/lead.yaml:2:16: at primary_field: primary_field 'topc' is not a field "
        "of 'lead' (did you mean 'topic'?)",
    ]


def test_indexes_and_renames(write_solution: WriteSolution, check: Check) -> None:
    entity = """
    entity: lead
    fields:
      topic: {type: string}
      subject: {type: string, renamed_from: topic}
      tags: {type: multichoice, options: [a]}
    indexes:
      - [topic, tpoic]
      - [tags]
    """
    assert errors(write_solution, check, entities__lead_yaml=entity) == [
        "demo/entities/lead.yaml:4:41: at fields.subject.renamed_from: renamed_from 'topic' is "
        "still a field of 'lead' (remove the old field, or drop renamed_from)",
        "demo/entities/lead.yaml:7:13: at indexes[0][1]: unknown field 'tpoic' on "
        "'lead' (did you mean 'topic'?)",
        "demo/entities/lead.yaml:8:6: at indexes[1][0]: a multichoice field cannot be indexed",
    ]


# -------------------------------------------------------------------- extensions


def test_extending_an_unknown_entity(write_solution: WriteSolution, check: Check) -> None:
    assert errors(write_solution, check, entities__x_yaml="extend: acount\n") == [
        "demo/entities/x.yaml:1:9: at extend: cannot extend unknown entity 'acount' "
        "(did you mean 'account'?)"
    ]


def test_extension_of_a_solution_not_depended_on(
    write_solution: WriteSolution, check: Check
) -> None:
    base = write_solution(BASE, name="sales")
    addon = write_solution(
        {"entities/account.yaml": "extend: account\nfields:\n  vip: {type: boolean}\n"},
        name="addon",
    )
    assert check(base, addon) == [
        "addon/entities/account.yaml:1:9: at extend: entity 'account' belongs to solution "
        "'sales', which 'addon' does not depend on (add 'sales' to depends in solution.yaml)"
    ]
    fixed = write_solution({}, name="addon", manifest="depends: [sales]\n")
    assert check(base, fixed) == []


def test_extensions_add_options_only_to_choices(
    write_solution: WriteSolution, check: Check
) -> None:
    extension = """
    extend: account
    options:
      stage: [open, archived]
      nme: [x]
    """
    assert errors(write_solution, check, entities__more_yaml=extension) == [
        "demo/entities/more.yaml:3:10: at options.stage: option(s) already exist: open",
        "demo/entities/more.yaml:4:3: at options.nme: 'nme' is not a choice field of "
        "'account' (expected one of: stage, tags)",
    ]


def test_form_extensions(write_solution: WriteSolution, check: Check) -> None:
    form = """
    form: account_main
    entity: account
    tabs:
      - name: main
        sections: [{name: general, fields: [name]}]
    """
    base = write_solution({**BASE, "forms/account_main.yaml": form}, name="sales")
    addon_files = {
        "forms/extra.yaml": """
        extend_form: account_main
        sections:
          mian: [{name: more, fields: [stage]}]
        tabs:
          - name: main
            sections: [{name: general, fields: [amount]}]
        """
    }
    addon = write_solution(addon_files, name="addon")
    assert check(base, addon) == [
        "addon/forms/extra.yaml:1:14: at extend_form: form 'account_main' belongs to solution "
        "'sales', which 'addon' does not depend on (add 'sales' to depends in solution.yaml)"
    ]
    addon = write_solution(addon_files, name="addon", manifest="depends: [sales]\n")
    assert check(base, addon) == [
        "addon/forms/extra.yaml:3:3: at sections.mian: form 'account_main' has no tab 'mian' "
        "(did you mean 'main'?)",
        "addon/forms/extra.yaml:5:11: at tabs[0].name: tab 'main' appears twice in form "
        "'account_main' (rename one; an extend_form adds sections to an existing tab under "
        "sections: {<tab>: [...]})",
    ]
    unknown = write_solution({"forms/x.yaml": "extend_form: acount_main\n"}, name="other")
    assert check(base, unknown)[0] == (
        "other/forms/x.yaml:1:14: at extend_form: cannot extend unknown form 'acount_main' "
        "(did you mean 'account_main'?)"
    )


# ------------------------------------------------------------------ dependencies


def test_missing_dependency(write_solution: WriteSolution, check: Check) -> None:
    root = write_solution(BASE, manifest="depends: {billing: '>=1.0'}\n")
    assert check(root) == [
        "demo/solution.yaml:3:11: at depends.billing: depends on solution 'billing', which is "
        "not among those given (pass its folder too, or install it first)"
    ]


def test_version_constraint_unmet(write_solution: WriteSolution, check: Check) -> None:
    billing = write_solution({}, name="billing", version="1.4.2")
    root = write_solution(BASE, manifest="depends: {billing: '^2.0'}\n")
    assert check(billing, root) == [
        "demo/solution.yaml:3:20: at depends.billing: needs billing ^2.0, but version 1.4.2 "
        "is given (use a billing release matching ^2.0)"
    ]
    root = write_solution(BASE, manifest="depends: {billing: 'two'}\n")
    assert check(billing, root) == [
        "demo/solution.yaml:3:20: at depends.billing: 'two' is not a version constraint like "
        "'>=1.2' or '^1.0'"
    ]


def test_dependency_cycles(write_solution: WriteSolution, check: Check) -> None:
    a = write_solution({}, name="a", manifest="depends: [b]\n")
    b = write_solution({}, name="b", manifest="depends: [c]\n")
    c = write_solution({}, name="c", manifest="depends: [a]\n")
    assert check(a, b, c) == [
        "a/solution.yaml:3:1: at depends: dependency cycle: a -> b -> c -> a "
        "(a solution cannot depend, directly or not, on itself)"
    ]


# ------------------------------------------------------------------------- forms


FORM = """
form: account_main
entity: account
tabs:
  - name: main
    sections:
      - name: general
        fields:
          - name
          - amout
          - {field: stage, visible_if: "stage = 'lots'"}
          - {field: amount, required_if: "amount"}
          - name
        related:
          - {relation: contcts}
          - {relation: contacts, columns: [emial, account.nme], view: nope}
"""


def test_form_errors(write_solution: WriteSolution, check: Check) -> None:
    assert errors(write_solution, check, forms__account_yaml=FORM) == [
        "demo/forms/account.yaml:9:13: at tabs[0].sections[0].fields[1]: unknown field "
        "'amout' on entity 'account' (did you mean 'amount'?)",
        "demo/forms/account.yaml:10:49: at tabs[0].sections[0].fields[2].visible_if: in "
        "expression \"stage = 'lots'\": 'lots' is not an option of stage (did you mean 'lost'?)",
        "demo/forms/account.yaml:11:43: at tabs[0].sections[0].fields[3].required_if: in "
        "expression 'amount': the expression gives a money amount but a boolean is needed "
        "(write a condition, e.g. stage = 'won')",
        "demo/forms/account.yaml:12:13: at tabs[0].sections[0].fields[4]: field 'name' is "
        "already on this form (section 'general')",
        "demo/forms/account.yaml:14:13: at tabs[0].sections[0].related[0]: 'account' has no "
        "relation 'contcts' (did you mean 'contacts'?)",
        "demo/forms/account.yaml:15:44: at tabs[0].sections[0].related[1].columns[0]: unknown "
        "field 'emial' on entity 'contact' (did you mean 'email'?)",
        "demo/forms/account.yaml:15:51: at tabs[0].sections[0].related[1].columns[1]: unknown "
        "field 'nme' on entity 'account' (did you mean 'name'?)",
        "demo/forms/account.yaml:15:71: at tabs[0].sections[0].related[1].view: no view "
        "'nope' on 'contact'",
    ]


def test_form_for_an_unknown_entity(write_solution: WriteSolution, check: Check) -> None:
    form = "form: f\nentity: acount\ntabs: [{name: t, sections: [{name: s}]}]\n"
    assert errors(write_solution, check, forms__f_yaml=form) == [
        "demo/forms/f.yaml:2:9: at entity: unknown entity 'acount' (did you mean 'account'?)"
    ]


def test_forms_must_hold_required_fields(write_solution: WriteSolution, check: Check) -> None:
    form = "form: f\nentity: account\ntabs: [{name: t, sections: [{name: s, fields: [stage]}]}]\n"
    assert errors(write_solution, check, forms__f_yaml=form) == [
        "demo/forms/f.yaml:1:7: at form: form 'f' leaves out required field(s) 'name', so it "
        "cannot create 'account' records (add them to a section, or give them a default)"
    ]


def test_one_default_form_and_view_per_entity(write_solution: WriteSolution, check: Check) -> None:
    form = (
        "form: {n}\nentity: account\ndefault: true\n"
        "tabs: [{{name: t, sections: [{{name: s, fields: [name]}}]}}]\n"
    )
    view = "view: {n}\nentity: account\ndefault: true\ncolumns: [name]\n"
    found = errors(
        write_solution,
        check,
        forms__a_yaml=form.format(n="a"),
        forms__b_yaml=form.format(n="b"),
        views__a_yaml=view.format(n="a"),
        views__b_yaml=view.format(n="b"),
    )
    assert found == [
        "demo/forms/b.yaml:3:10: at default: 'account' already has a default main form: 'a' "
        "(keep default: true on one of them)",
        "demo/views/b.yaml:3:10: at default: 'account' already has a default view: 'a' "
        "(keep default: true on one of them)",
    ]


def test_duplicate_tabs_and_sections(write_solution: WriteSolution, check: Check) -> None:
    form = """
    form: f
    entity: account
    tabs:
      - name: t
        sections: [{name: s, fields: [name]}, {name: s, fields: [stage]}]
      - name: t
        sections: [{name: s2}]
    """
    assert errors(write_solution, check, forms__f_yaml=form) == [
        "demo/forms/f.yaml:5:50: at tabs[0].sections[1].name: section 's' appears twice in "
        "form 'f' (section names are unique within a form; rename one)",
        "demo/forms/f.yaml:6:11: at tabs[1].name: tab 't' appears twice in form 'f' "
        "(rename one; an extend_form adds sections to an existing tab under "
        "sections: {<tab>: [...]})",
    ]


# ------------------------------------------------------------------------- views


def test_view_errors(write_solution: WriteSolution, check: Check) -> None:
    view = """
    view: accounts
    entity: account
    columns: [name, amout, contacts, stage.name]
    sort: [-amout, tags]
    filter: "stage = 'won' and amount > '5'"
    """
    assert errors(write_solution, check, views__accounts_yaml=view) == [
        "demo/views/accounts.yaml:3:17: at columns[1]: unknown field 'amout' on entity "
        "'account' (did you mean 'amount'?)",
        "demo/views/accounts.yaml:3:24: at columns[2]: unknown field 'contacts' on entity "
        "'account' ('contacts' is a to-many relation; aggregate it with a rollup field instead)",
        "demo/views/accounts.yaml:3:34: at columns[3]: 'stage' is not a lookup, so "
        "'stage.name' cannot follow it (only single-target lookups can be followed with '.')",
        "demo/views/accounts.yaml:4:8: at sort[0]: unknown field 'amout' on entity 'account' "
        "(did you mean 'amount'?)",
        "demo/views/accounts.yaml:4:16: at sort[1]: cannot sort by a multichoice field",
        "demo/views/accounts.yaml:5:35: at filter: in expression \"stage = 'won' and amount "
        "> '5'\": cannot compare money with string (numbers are written without quotes)",
    ]


def test_view_filters_may_use_user_parameters(write_solution: WriteSolution, check: Check) -> None:
    view = """
    view: mine
    entity: contact
    columns: [last_name, account.name]
    filter: "owner = $user.id and account.stage = 'open' and $usr.id is null"
    """
    assert errors(write_solution, check, views__mine_yaml=view) == [
        'demo/views/mine.yaml:4:58: at filter: in expression "owner = $user.id and '
        "account.stage = 'open' and $usr.id is null\": unknown parameter $usr "
        "(did you mean 'user'?)"
    ]


# ------------------------------------------------------------------------- roles


def test_role_errors(write_solution: WriteSolution, check: Check) -> None:
    role = """
    role: sales
    entities:
      account: {read: everything, update: own}
      contact: {read: all}
      team: {read: own}
    fields:
      account.amout: {read: false}
      contakt.email: {read: false}
      amount: {read: false}
    rules:
      - {entity: account, update: "stage = $user.region"}
      - {entity: acount, read: "true"}
      - {entity: contact, read: "email"}
    """
    assert errors(write_solution, check, roles__sales_yaml=role) == [
        "demo/roles/sales.yaml:3:19: at entities.account.read: 'everything' is not allowed "
        "here (expected one of: all, business_unit, business_unit_and_children, none, own, team)",
        "demo/roles/sales.yaml:5:16: at entities.team.read: 'team' records "
        "belong to a business unit, with no owner, so scope 'own' cannot apply to them (use one "
        "of: none, business_unit, business_unit_and_children, all)",
        "demo/roles/sales.yaml:7:18: at fields.account.amout: unknown field 'amout' on entity "
        "'account' (did you mean 'amount'?)",
        "demo/roles/sales.yaml:8:18: at fields.contakt.email: unknown entity 'contakt' "
        "(did you mean 'contact'?)",
        "demo/roles/sales.yaml:9:3: at fields.amount: 'amount' must be written entity.field",
        "demo/roles/sales.yaml:11:40: at rules[0].update: in expression 'stage = $user.region': "
        "unknown field 'region' on entity 'user' (did you mean 'version'?)",
        "demo/roles/sales.yaml:12:14: at rules[1].entity: unknown entity 'acount' "
        "(did you mean 'account'?)",
        "demo/roles/sales.yaml:13:30: at rules[2].read: in expression 'email': the expression "
        "gives a string but a boolean is needed (write a condition, e.g. stage = 'won')",
    ]


def test_organization_owned_entities_have_no_own_scope(
    write_solution: WriteSolution, check: Check
) -> None:
    entity = "entity: product\nownership: organization\nfields:\n  name: {type: string}\n"
    role = "role: r\nentities:\n  product: {read: all, update: own}\n"
    assert errors(write_solution, check, entities__p_yaml=entity, roles__r_yaml=role) == [
        "demo/roles/r.yaml:3:32: at entities.product.update: 'product' records have no owner "
        "(ownership: organization), so scope 'own' cannot apply to them "
        "(use one of: none, all)"
    ]


# -------------------------------------------------------------------- data, i18n


def test_data_file_unknown_field(write_solution: WriteSolution, check: Check) -> None:
    data = """
    entity: account
    records:
      - {name: Acme, stge: open}
    """
    assert errors(write_solution, check, data__accounts_yaml=data) == [
        "demo/data/accounts.yaml:3:18: at records[0].stge: unknown field 'stge' on 'account' "
        "(did you mean 'stage'?)"
    ]


def test_data_file_for_an_unknown_entity(write_solution: WriteSolution, check: Check) -> None:
    assert errors(write_solution, check, data__x_yaml="entity: acount\nrecords: []\n") == [
        "demo/data/x.yaml:1:9: at entity: unknown entity 'acount' (did you mean 'account'?)"
    ]


def test_i18n_errors(write_solution: WriteSolution, check: Check) -> None:
    translation = """
    entities:
      account:
        label: Compte
        fields: {nme: Nom, stage: Étape}
        options:
          stage: {opne: Ouvert, won: Gagné}
          name: {x: y}
        relations: {contcts: Contacts}
      acount: {label: Compte}
    """
    assert errors(write_solution, check, i18n__fr_yaml=translation) == [
        "demo/i18n/fr.yaml:4:14: at entities.account.fields.nme: unknown field 'nme' on "
        "'account' (did you mean 'name'?)",
        "demo/i18n/fr.yaml:6:15: at entities.account.options.stage.opne: 'opne' is not an "
        "option of account.stage (did you mean 'open'?)",
        "demo/i18n/fr.yaml:7:7: at entities.account.options.name: 'name' is not a choice field "
        "of 'account'",
        "demo/i18n/fr.yaml:8:17: at entities.account.relations.contcts: unknown relation "
        "'contcts' on 'account' (did you mean 'contacts'?)",
        "demo/i18n/fr.yaml:9:11: at entities.acount: unknown entity 'acount' "
        "(did you mean 'account'?)",
    ]
    other = write_solution({**BASE, "i18n/French.yaml": "strings: {}\n"}, name="other")
    assert check(other) == [
        "other/i18n/French.yaml:1:1: i18n file name 'French' is not a language code"
    ]


# -------------------------------------------------------------- all in one run


def test_every_error_of_a_folder_is_reported_in_one_run(
    write_solution: WriteSolution, check: Check
) -> None:
    files = {
        "entities/lead.yaml": "entity: lead\nfields:\n  topic: {type: strng}\n",
        "entities/deal.yaml": "entity: deal\nfields:\n  client: {type: lookup, target: acount}\n",
        "entities/broken.yaml": "entity: broken\nfields: [\n",
        "forms/f.yaml": "form: f\nentity: account\ntabs: [{name: t, sections: [{name: s, "
        "fields: [name, nme]}]}]\n",
        "views/v.yaml": "view: v\nentity: account\ncolumns: [name]\nfilter: \"stage = 'x'\"\n",
        "roles/r.yaml": "role: r\nentities: {acount: {read: all}}\n",
        "data/d.yaml": "entity: account\nrecords: [{name: A, stge: open}]\n",
        "i18n/fr.yaml": "entities: {account: {fields: {nme: Nom}}}\n",
    }
    found = check(write_solution({**BASE, **files}, manifest="depends: [billing]\n"))
    files_with_errors = sorted({line.split(":")[0] for line in found})
    assert files_with_errors == [
        "demo/data/d.yaml",
        "demo/entities/broken.yaml",
        "demo/entities/deal.yaml",
        "demo/entities/lead.yaml",
        "demo/forms/f.yaml",
        "demo/i18n/fr.yaml",
        "demo/roles/r.yaml",
        "demo/solution.yaml",
        "demo/views/v.yaml",
    ]
    assert len(found) == 9


def test_a_broken_field_is_reported_once_not_everywhere_it_is_used(
    write_solution: WriteSolution, check: Check
) -> None:
    entity = """
    entity: lead
    fields:
      budget: {type: monye}
      topic: {type: string}
      weighted: {type: formula, returns: money, expression: "budget * 2"}
    indexes: [[budget]]
    """
    view = "view: v\nentity: lead\ncolumns: [topic, budget]\nsort: [budget]\n"
    data = "entity: lead\nrecords: [{topic: T, budget: 5}]\n"
    translation = "entities: {lead: {fields: {budget: Budget}}}\n"
    found = errors(
        write_solution,
        check,
        entities__lead_yaml=entity,
        views__v_yaml=view,
        data__d_yaml=data,
        i18n__fr_yaml=translation,
    )
    assert found == [
        "demo/entities/lead.yaml:3:18: at fields.budget.type: unknown type 'monye' "
        "(did you mean 'money'?)"
    ]
