"""Applies db/ to a database: the migrations once each, in order, every function file, then privileges.

One transaction under an advisory lock, so two migrators at once are safe (the second waits,
then finds nothing left to do) and a failure leaves the database as it was. Each applied
migration is recorded with the SHA-256 of its text; the migrator refuses to run when an applied
file was edited or when the database knows a migration this package does not.

The SQL ships inside the wheel as ``pgledger/db``; in a source checkout it is read from the
repository's ``db/``. ``render_install_script`` writes the same plan as a psql script
(db/install.sql) for DBAs without Python.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import psycopg

from pgledger.errors import MigrationError

# pg_advisory_xact_lock key of the migrator: the bytes of "pgledger" read as a bigint.
MIGRATION_LOCK_KEY = int.from_bytes(b"pgledger", "big")

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path
    sql: str
    checksum: str


@dataclass(frozen=True)
class MigrationReport:
    applied: list[str]
    already_applied: list[str]
    function_files: int


def sql_root() -> Path:
    """The directory holding bootstrap.sql, migrations/ and functions/."""
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


def load_migrations(root: Path) -> list[Migration]:
    migrations = []
    for path in sorted((root / "migrations").glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"migration file name {path.name!r} is not NNNN_name.sql")
        sql = _read(path)
        checksum = hashlib.sha256(sql.encode("utf-8")).hexdigest()
        migrations.append(Migration(match.group(1), match.group(2), path, sql, checksum))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files share a number: {versions}")
    return migrations


def function_files(root: Path) -> list[Path]:
    """Every file of db/functions, in its concern sub-folders (write/, fold/, read/, ...), by path."""
    return sorted((root / "functions").rglob("*.sql"))


def migrate(conninfo_or_connection: str | psycopg.Connection[Any]) -> MigrationReport:
    """Bring the database up to date; see the module docstring for the guarantees."""
    if isinstance(conninfo_or_connection, str):
        with psycopg.connect(conninfo_or_connection) as conn:
            return _migrate(conn)
    return _migrate(conninfo_or_connection)


def _migrate(conn: psycopg.Connection[Any]) -> MigrationReport:
    root = sql_root()
    migrations = load_migrations(root)
    functions = function_files(root)
    with conn.transaction():
        conn.execute("SELECT pg_catalog.pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
        conn.execute(_read(root / "bootstrap.sql"))
        stored = dict(conn.execute("SELECT version, checksum FROM ledger.schema_migrations").fetchall())
        known = {m.version for m in migrations}
        unknown = sorted(set(stored) - known)
        if unknown:
            raise MigrationError(
                f"the database has migrations {unknown} that this pgledger does not know: it is newer than "
                "this package; upgrade pgledger instead"
            )
        applied, already = [], []
        for migration in migrations:
            if migration.version in stored:
                if stored[migration.version] != migration.checksum:
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
        # Two passes: the first declares every function without checking bodies (files may
        # refer to each other in any order), the second re-creates each with its body checked.
        for check_bodies in ("off", "on"):
            conn.execute(f"SET LOCAL check_function_bodies = {check_bodies}")
            for path in functions:
                conn.execute(_read(path))
        conn.execute(_read(root / "privileges.sql"))
    return MigrationReport(applied, already, len(functions))


def render_install_script(root: Path | None = None) -> str:
    """db/install.sql: the same plan as ``migrate`` for psql, with the checksums written in."""
    root = root or sql_root()
    lines = [
        "-- pgledger installer for psql. GENERATED by `python -m pgledger.migrate --write-install`",
        "-- from db/migrations and db/functions: do not edit by hand (a test checks it is current).",
        "--",
        "-- Usage, from any directory:  psql -v ON_ERROR_STOP=1 -d DBNAME -f db/install.sql",
        "-- It does what `pgledger migrate` does: one transaction under the migration lock; each",
        "-- migration applied once and recorded with its SHA-256; refuses edited or unknown",
        "-- migrations; then every function file, declared and then checked; then privileges.sql.",
        "\\set ON_ERROR_STOP on",
        "BEGIN;",
        f"SELECT pg_catalog.pg_advisory_xact_lock({MIGRATION_LOCK_KEY});",
        "\\ir bootstrap.sql",
    ]
    migrations = load_migrations(root)
    known = ", ".join(f"'{m.version}'" for m in migrations)
    lines += [
        "DO $install$",
        "BEGIN",
        f"    IF EXISTS (SELECT FROM ledger.schema_migrations WHERE version NOT IN ({known})) THEN",
        "        RAISE EXCEPTION 'the database has migrations this install script does not know: it is newer';",
        "    END IF;",
        "END;",
        "$install$;",
    ]
    for m in migrations:
        flag = f"pgledger_apply_{m.version}"
        lines += [
            f"-- {m.path.name}",
            "DO $install$",
            "BEGIN",
            f"    IF EXISTS (SELECT FROM ledger.schema_migrations WHERE version = '{m.version}'",
            f"               AND checksum <> '{m.checksum}') THEN",
            f"        RAISE EXCEPTION 'migration {m.path.name} was edited after it was applied';",
            "    END IF;",
            "END;",
            "$install$;",
            f"SELECT NOT EXISTS (SELECT FROM ledger.schema_migrations WHERE version = '{m.version}') AS {flag} \\gset",
            f"\\if :{flag}",
            f"\\ir migrations/{m.path.name}",
            "INSERT INTO ledger.schema_migrations (version, name, checksum)",
            f"VALUES ('{m.version}', '{m.name}', '{m.checksum}');",
            "\\endif",
        ]
    for check_bodies in ("off", "on"):
        lines.append(f"SET LOCAL check_function_bodies = {check_bodies};")
        lines += [f"\\ir {path.relative_to(root).as_posix()}" for path in function_files(root)]
    lines += ["\\ir privileges.sql", "COMMIT;"]
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
