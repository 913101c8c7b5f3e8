"""Applies db/ to a database: bootstrap, the migrations once each, every function file, the roles
and the privileges, in one transaction.

The transaction pins ``search_path = pg_catalog, pg_temp``, so nothing another role created in
``public`` (an operator, a function) can be bound into the ledger's objects. db/bootstrap.sql takes
the migration lock (an EXCLUSIVE lock on ``ledger.schema_migrations``, which only its owner can
take) and refuses a schema ``ledger`` that the installing role does not own; two migrators at once
are safe (the second waits, then finds nothing to do) and a failure leaves the database as it
was. Each applied migration is recorded with the SHA-256 of the text that ran; the migrator
refuses an applied file that was edited (except the earlier texts listed in ``EARLIER_TEXTS``,
which 0006 repairs) and a database that knows a migration this package does not.

The SQL ships inside the wheel as ``pgledger/db``; in a source checkout it is read from the
repository's ``db/``. ``render_install_script`` writes the same plan as one self-contained psql
script (db/install.sql) for DBAs without Python.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import psycopg

from pgledger.errors import MigrationError, translate

# Settings the whole migration runs under (SET LOCAL: they end with its transaction).
PREAMBLE = (
    "SET LOCAL search_path = pg_catalog, pg_temp",
    "SET LOCAL client_min_messages = warning",
)

# Is this a Citus coordinator? Then the distributed layout (db/citus/) is applied too. (Two
# steps: citus_is_coordinator() exists only where the extension does.)
CITUS_INSTALLED = "SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus')"
CITUS_COORDINATOR = "SELECT pg_catalog.citus_is_coordinator()"

# Settings of a migration on Citus: triggers on distributed tables (each of ours touches only its
# own account's shard), and DDL over many shards one shard at a time inside the transaction.
CITUS_PREAMBLE = (
    "SET LOCAL citus.enable_unsafe_triggers = on",
    "SET LOCAL citus.multi_shard_modify_mode = 'sequential'",
)

# Texts of migrations that were edited after they had been committed (a mistake that
# tests/test_migrate.py now prevents): the SHA-256 of each earlier text and the commit that
# introduced it. Databases that applied one are accepted; 0006 brings them forward.
EARLIER_TEXTS: dict[str, dict[str, str]] = {
    "0001": {"cef9aa7566ed0a9c228bc44cea177e88f418d2c172183820eca6bedb1224077c": "f3f21e0"},
    "0002": {"b7e27a09458a05239860bda9687073064521cac0d5c4aff84e7537ddb30e9bcf": "c5951e4"},
    "0004": {"def733a98096c1c59d6794a5d17141c67acb2f8ab25b4cf71e5a361b918dcf47": "b370d4c"},
}

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Migration:
    """One file of db/migrations, and what a database that has not applied it yet runs."""

    version: str
    name: str
    path: Path
    sql: str  # db/fresh/<name> when it exists (see db/fresh/README.md), else the file itself
    checksum: str  # the SHA-256 of `sql`, recorded when it is applied
    accepted: frozenset[str]  # every checksum a database may have recorded for it


@dataclass(frozen=True)
class MigrationReport:
    applied: list[str]
    already_applied: list[str]
    function_files: int
    distributed: bool = False  # a Citus coordinator: the distributed layout was applied


def sql_root() -> Path:
    """The directory holding bootstrap.sql, migrations/, fresh/ and functions/."""
    packaged = resources.files("pgledger") / "db"
    if packaged.is_dir():
        return Path(str(packaged))
    source = Path(__file__).resolve().parents[2] / "db"
    if source.is_dir():
        return source
    raise MigrationError(f"the SQL files of pgledger are missing (looked in {packaged} and {source})")


def _read(path: Path) -> str:
    # Normalise line endings so a checkout with CRLF has the same checksums.
    return path.read_text(encoding="utf-8").replace("\r\n", "\n")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_migrations(root: Path) -> list[Migration]:
    migrations = []
    for path in sorted((root / "migrations").glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"migration file name {path.name!r} is not NNNN_name.sql")
        version = match.group(1)
        original = _read(path)
        fresh = root / "fresh" / path.name
        sql = _read(fresh) if fresh.exists() else original
        accepted = {_sha256(original), _sha256(sql), *EARLIER_TEXTS.get(version, {})}
        migrations.append(Migration(version, match.group(2), path, sql, _sha256(sql), frozenset(accepted)))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files share a number: {versions}")
    return migrations


def function_files(root: Path) -> list[Path]:
    """Every file of db/functions, in its concern sub-folders (write/, fold/, read/, ...), by path."""
    return sorted((root / "functions").rglob("*.sql"))


def check_role_name(option: str, name: str | None) -> str | None:
    """A role name as pgledger accepts it (lower case, unquoted form), or None."""
    if name is not None and not _ROLE_NAME.match(name):
        raise MigrationError(f"{option} {name!r} must be 1-63 characters of [a-z0-9_], not starting with a digit")
    return name


def migrate(
    conninfo_or_connection: str | psycopg.Connection[Any],
    *,
    writer_role: str | None = None,
    reader_role: str | None = None,
) -> MigrationReport:
    """Bring the database up to date; see the module docstring for the guarantees.

    ``writer_role`` and ``reader_role`` name the installation's roles at its first install
    (default ledger_writer and ledger_reader); later runs may repeat them or leave them out.
    """
    roles = (check_role_name("writer_role", writer_role), check_role_name("reader_role", reader_role))
    if isinstance(conninfo_or_connection, str):
        with psycopg.connect(conninfo_or_connection) as conn:
            return _migrate(conn, roles)
    return _migrate(conninfo_or_connection, roles)


def _migrate(conn: psycopg.Connection[Any], roles: tuple[str | None, str | None]) -> MigrationReport:
    root = sql_root()
    migrations = load_migrations(root)
    functions = function_files(root)
    try:
        with conn.transaction():
            for statement in PREAMBLE:
                conn.execute(statement)
            conn.execute(
                "SELECT pg_catalog.set_config('pgledger.writer_role', %s, true),"
                " pg_catalog.set_config('pgledger.reader_role', %s, true)",
                (roles[0] or "", roles[1] or ""),
            )
            conn.execute(_read(root / "bootstrap.sql"))
            citus = _true(conn, CITUS_INSTALLED) and _true(conn, CITUS_COORDINATOR)
            for statement in CITUS_PREAMBLE if citus else ():
                conn.execute(statement)
            stored = dict(conn.execute("SELECT version, checksum FROM ledger.schema_migrations").fetchall())
            applied, already = _apply_migrations(conn, migrations, stored)
            if citus:
                conn.execute(_read(root / "citus" / "distribute.sql"))
            # Two passes: the first declares every function without checking bodies (files may
            # refer to each other in any order), the second re-creates each with its body checked.
            for check_bodies in ("off", "on"):
                conn.execute(f"SET LOCAL check_function_bodies = {check_bodies}")
                for path in functions:
                    conn.execute(_read(path))
            if citus:
                conn.execute(_read(root / "citus" / "functions.sql"))
            for step in AFTER_FUNCTIONS:
                conn.execute(_read(root / step))
    except psycopg.Error as error:
        ledger_error = translate(error)  # LG011 is a MigrationError
        if ledger_error is not None:
            raise ledger_error from error
        raise
    return MigrationReport(applied, already, len(functions), citus)


def _true(conn: psycopg.Connection[Any], query: str) -> bool:
    row = conn.execute(query).fetchone()
    return bool(row and row[0])


# The steps after the functions, in order (db/<file>).
AFTER_FUNCTIONS = ("roles.sql", "privileges.sql", "finish.sql")


def _apply_migrations(
    conn: psycopg.Connection[Any], migrations: Sequence[Migration], stored: dict[str, str]
) -> tuple[list[str], list[str]]:
    unknown = sorted(set(stored) - {m.version for m in migrations})
    if unknown:
        raise MigrationError(
            f"the database has migrations {unknown} that this pgledger does not know: it is newer than "
            "this package; upgrade pgledger instead"
        )
    applied, already = [], []
    for migration in migrations:
        if migration.version in stored:
            if stored[migration.version] not in migration.accepted:
                raise MigrationError(
                    f"migration {migration.path.name} was edited after it was applied (checksum "
                    f"{stored[migration.version][:12]}… in the database, {migration.checksum[:12]}… on disk); "
                    "applied migrations are never edited: restore the file and add a new migration"
                )
            already.append(migration.path.name)
            continue
        conn.execute(migration.sql)
        conn.execute(
            "INSERT INTO ledger.schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
            (migration.version, migration.name, migration.checksum),
        )
        applied.append(migration.path.name)
    return applied, already


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def render_install_script(root: Path | None = None) -> str:
    """db/install.sql: the same plan as ``migrate`` as one self-contained psql script."""
    root = root or sql_root()
    migrations = load_migrations(root)
    lines = [
        "-- pgledger installer for psql: one self-contained file. GENERATED by",
        "-- `python -m pgledger.migrate --write-install` from db/: do not edit by hand (a test checks",
        "-- it is current and gives the same database as `pgledger migrate`).",
        "--",
        "-- Usage, from any directory, as the role that will own the ledger:",
        "--   psql -X -q -v ON_ERROR_STOP=1 [-v writer_role=NAME -v reader_role=NAME] -d DBNAME -f install.sql",
        "-- One transaction: bootstrap (lock, ownership checks), each migration once (recorded with its",
        "-- SHA-256; edited or unknown migrations refused), every function file, roles, privileges.",
        "\\set ON_ERROR_STOP on",
        "\\set QUIET on",
        "\\if :{?writer_role}",
        "\\else",
        "\\set writer_role ''",
        "\\endif",
        "\\if :{?reader_role}",
        "\\else",
        "\\set reader_role ''",
        "\\endif",
        "BEGIN;",
        *(f"{statement};" for statement in PREAMBLE),
        "SELECT pg_catalog.set_config('pgledger.writer_role', :'writer_role', true) AS pgledger_ignored_1,",
        "       pg_catalog.set_config('pgledger.reader_role', :'reader_role', true) AS pgledger_ignored_2 \\gset",
        "-- bootstrap.sql",
        _read(root / "bootstrap.sql").rstrip(),
        f"{CITUS_INSTALLED} AS pgledger_citus \\gset",
        "\\if :pgledger_citus",
        f"{CITUS_COORDINATOR} AS pgledger_citus \\gset",
        "\\endif",
        "\\if :pgledger_citus",
        *(f"{statement};" for statement in CITUS_PREAMBLE),
        "\\endif",
    ]
    known = ", ".join(_sql_literal(m.version) for m in migrations)
    lines += [
        "DO $install$",
        "BEGIN",
        f"    IF EXISTS (SELECT FROM ledger.schema_migrations WHERE version NOT IN ({known})) THEN",
        "        RAISE EXCEPTION USING ERRCODE = 'LG011',",
        "            MESSAGE = 'the database has migrations this install script does not know: it is newer';",
        "    END IF;",
        "END;",
        "$install$;",
    ]
    for m in migrations:
        flag = f"pgledger_apply_{m.version}"
        accepted = ", ".join(_sql_literal(c) for c in sorted(m.accepted))
        lines += [
            f"-- migrations/{m.path.name}",
            "DO $install$",
            "BEGIN",
            f"    IF EXISTS (SELECT FROM ledger.schema_migrations WHERE version = '{m.version}'",
            f"               AND checksum <> ALL (ARRAY[{accepted}])) THEN",
            "        RAISE EXCEPTION USING ERRCODE = 'LG011',",
            f"            MESSAGE = 'migration {m.path.name} was edited after it was applied';",
            "    END IF;",
            "END;",
            "$install$;",
            f"SELECT NOT EXISTS (SELECT FROM ledger.schema_migrations WHERE version = '{m.version}') AS {flag} \\gset",
            f"\\if :{flag}",
            m.sql.rstrip(),
            "INSERT INTO ledger.schema_migrations (version, name, checksum)",
            f"VALUES ('{m.version}', '{m.name}', '{m.checksum}');",
            "\\endif",
        ]
    lines += [
        "\\if :pgledger_citus",
        "-- citus/distribute.sql",
        _read(root / "citus" / "distribute.sql").rstrip(),
        "\\endif",
    ]
    for check_bodies in ("off", "on"):
        lines.append(f"SET LOCAL check_function_bodies = {check_bodies};")
        for path in function_files(root):
            lines += [f"-- {path.relative_to(root).as_posix()}", _read(path).rstrip()]
    lines += [
        "\\if :pgledger_citus",
        "-- citus/functions.sql",
        _read(root / "citus" / "functions.sql").rstrip(),
        "\\endif",
    ]
    for step in AFTER_FUNCTIONS:
        lines += [f"-- {step}", _read(root / step).rstrip()]
    lines += ["COMMIT;"]
    return "\n".join(lines) + "\n"


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-install", action="store_true", help="regenerate db/install.sql")
    args = parser.parse_args()
    if args.write_install:
        root = sql_root()
        (root / "install.sql").write_text(render_install_script(root), encoding="utf-8")
        print(f"wrote {root / 'install.sql'}")
    else:
        parser.print_help()


if __name__ == "__main__":
    main()
