"""Least privilege on PostgreSQL: what the app's role may do, granted by the tables' owner.

Two roles (docs/deploy.md, section 2). The *owner* owns the schema's tables and runs the
migrations (``MIGRATIONS_DATABASE_URL``). The *app* role (``DATABASE_URL``: gunicorn and every
other command) owns nothing, so it can neither ALTER a table (no ``DISABLE TRIGGER``) nor DROP it,
and it is never given TRUNCATE. :func:`grant_app_role`, run as the owner, gives the app role
exactly this, on every table and sequence of the schema:

- SELECT, INSERT, UPDATE and DELETE on the data tables. The running totals' triggers (migration
  0002) run with the rights of whoever fires them, so the app writes ``round_totals`` and
  ``candidate_totals`` through them too;
- only SELECT and INSERT on the append-only tables (:data:`APPEND_ONLY`, the audit chain). The
  missing privilege refuses UPDATE and DELETE before any trigger runs; migration 0001's trigger
  refuses them (and TRUNCATE) to every role, the owner included, while it is enabled;
- only SELECT on :data:`READ_ONLY` (``alembic_version``: only migrations move it);
- USAGE and SELECT on the sequences (new rows' ids; pg_dump reads them), never UPDATE (setval).

It also sets the owner's default privileges, so a table a later migration creates is usable by
the app at once; and every ``primaries db upgrade`` that has ``MIGRATIONS_DATABASE_URL`` ends with
it, in the migration's own transaction (``migrations/env.py``), for ``DATABASE_URL``'s user, so a
new append-only table is never writable in between. :func:`role_problems` lists whatever would
let a role do more than that, or keep the app from working (``primaries db privileges``, tests).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from .errors import Refused

APPEND_ONLY = ("audit_events",)
READ_ONLY = ("alembic_version",)
DATA_RIGHTS = ("SELECT", "INSERT", "UPDATE", "DELETE")
# What no app role may hold on any table: each would let it change or erase what it may not.
NEVER = ("TRUNCATE", "TRIGGER", "REFERENCES")

_ROLE = text("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = :role")
_TABLE_RIGHTS = (*DATA_RIGHTS, *NEVER)
# The schema's tables and sequences, their owner, and what the role may do with each.
_RELATIONS = text(
    "SELECT c.relname, c.relkind, pg_get_userbyid(c.relowner) AS owner, "
    "pg_has_role(:role, c.relowner, 'MEMBER') AS owns, "
    + ", ".join(
        f"has_table_privilege(:role, c.oid, '{right}') AS may_{right.lower()}"
        for right in _TABLE_RIGHTS
    )
    # CASE, not AND: has_sequence_privilege fails on a table, and AND may run either side first.
    + ", CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(:role, c.oid, 'USAGE') END "
    "AS may_use, CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(:role, c.oid, 'UPDATE') "
    "END AS may_setval "
    "FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
    "AND c.relkind IN ('r', 'p', 'S') ORDER BY c.relname"
)
_OWNS_SCHEMA_OR_DATABASE = text(
    "SELECT pg_has_role(:role, n.nspowner, 'MEMBER'), pg_has_role(:role, d.datdba, 'MEMBER'), "
    "has_schema_privilege(:role, n.oid, 'CREATE') "
    "FROM pg_namespace n, pg_database d "
    "WHERE n.nspname = current_schema() AND d.datname = current_database()"
)


def _rights(table: str) -> tuple[str, ...]:
    if table in APPEND_ONLY:
        return ("SELECT", "INSERT")
    if table in READ_ONLY:
        return ("SELECT",)
    return DATA_RIGHTS


def role_problems(connection: Connection, role: str) -> list[str]:
    """What lets ``role`` do more than the app needs, or keeps it from what the app needs, in
    this database's current schema (empty: the role is exactly right)."""
    found = connection.execute(_ROLE, {"role": role}).first()
    if found is None:
        return [f"the role {role} does not exist"]
    problems = []
    if found.rolsuper:
        problems.append(f"{role} is a superuser: it may do anything (give the app its own role)")
    if found.rolcreaterole:
        problems.append(f"{role} has CREATEROLE: it could make itself a member of the owner")
    owns_schema, owns_database, creates = connection.execute(
        _OWNS_SCHEMA_OR_DATABASE, {"role": role}
    ).one()
    if owns_schema or owns_database:
        what = "schema" if owns_schema else "database"
        problems.append(f"{role} owns the {what} (or is a member of its owner): it may drop tables")
    if creates:
        problems.append(
            f"{role} may CREATE in the schema (as postgres: REVOKE CREATE ON SCHEMA public FROM "
            "PUBLIC)"
        )
    owned = []
    for relation in connection.execute(_RELATIONS, {"role": role}).mappings():
        name = relation["relname"]
        if relation["owns"]:
            owned.append(name)
        elif relation["relkind"] == "S":
            if not relation["may_use"]:
                problems.append(f"{role} may not use the sequence {name}")
            if relation["may_setval"]:
                problems.append(f"{role} may UPDATE (setval) the sequence {name}")
        else:
            held = [right for right in _TABLE_RIGHTS if relation[f"may_{right.lower()}"]]
            wanted = _rights(name)
            problems += [f"{role} may {right} {name}" for right in held if right not in wanted]
            problems += [f"{role} may not {right} {name}" for right in wanted if right not in held]
    if owned:
        problems.append(
            f"{role} owns (or is a member of the owner of) {', '.join(owned)}: it could ALTER "
            "them (DISABLE TRIGGER), TRUNCATE or DROP them"
        )
    return problems


def grant_app_role(connection: Connection, role: str) -> list[str]:
    """Give ``role`` exactly the app's privileges (see the module docstring), as the owner of
    every table in the current schema, in the caller's transaction. Refused, with nothing done,
    if the role is missing, is the owner, or the caller does not own every table; otherwise the
    :func:`role_problems` that grants cannot mend (a superuser app role...) are returned."""
    owner = connection.execute(text("SELECT current_user")).scalar_one()
    if connection.execute(_ROLE, {"role": role}).first() is None:
        raise Refused(f"the role {role} does not exist (create it first: docs/deploy.md)")
    if role == owner:
        raise Refused(
            f"{role} owns the tables (it is the role running this): the app needs a role of its "
            "own (docs/deploy.md)"
        )
    relations = connection.execute(_RELATIONS, {"role": owner}).all()
    if others := [f"{r.relname} (owner {r.owner})" for r in relations if r.owner != owner]:
        raise Refused(
            f"run this as the owner of every table; {owner} does not own " + ", ".join(others)
        )
    quote = connection.dialect.identifier_preparer.quote
    grantee = quote(role)
    schema = quote(connection.execute(text("SELECT current_schema()")).scalar_one())
    rights = ", ".join(DATA_RIGHTS)
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {grantee}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {grantee}",
        f"GRANT USAGE ON SCHEMA {schema} TO {grantee}",
        f"GRANT {rights} ON ALL TABLES IN SCHEMA {schema} TO {grantee}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {rights} ON TABLES TO {grantee}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES "
        f"TO {grantee}",
    ]
    for relation in relations:
        taken = [right for right in DATA_RIGHTS if right not in _rights(relation.relname)]
        if relation.relkind != "S" and taken:
            table = f"{schema}.{quote(relation.relname)}"
            statements.append(f"REVOKE {', '.join(taken)} ON {table} FROM {grantee}")
    for statement in statements:
        connection.exec_driver_sql(statement)
    return role_problems(connection, role)
