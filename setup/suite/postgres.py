"""PostgreSQL: reach a server (start or install a local one), databases."""

import os
import shutil

from .common import RUN_DIR, apt_install, fail, is_root, run, say, venv_eval


def postgres_reachable():
    return (
        venv_eval("import psycopg2; psycopg2.connect(dbname='postgres').close()")
        is not None
    )


def start_local_clusters():
    if not shutil.which("pg_lsclusters"):
        return
    listing = run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=False)
    for line in listing.stdout.splitlines():
        version, cluster, *_rest = line.split()
        say(f"starting PostgreSQL cluster {version}/{cluster}")
        run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "start"],
            check=False,
        )


def ensure_postgres_role():
    user = os.environ.get("PGUSER") or os.environ.get("USER") or "root"
    if is_root() and shutil.which("runuser"):
        run(
            ["runuser", "-u", "postgres", "--", "createuser", "--superuser", user],
            check=False,
            capture_output=True,
        )


def ensure_postgres():
    if postgres_reachable():
        return
    start_local_clusters()
    if not postgres_reachable() and not shutil.which("pg_lsclusters"):
        apt_install(["postgresql"])
        start_local_clusters()
    if not postgres_reachable():
        ensure_postgres_role()
    if not postgres_reachable():
        fail(
            "PostgreSQL is not reachable. The suite uses the server named by the "
            "usual PG* environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD) "
            "or the local socket; none answered, and no local cluster could be "
            "installed or started. Start PostgreSQL (or point PG* at one) and run "
            "again."
        )


def database_exists(name):
    code = (
        "import psycopg2; c = psycopg2.connect(dbname='postgres'); k = c.cursor(); "
        f"k.execute('select 1 from pg_database where datname = %s', ({name!r},)); "
        "print(bool(k.fetchone()))"
    )
    return venv_eval(code) == "True"


def drop_database(name):
    run(["dropdb", "--if-exists", "--force", name], check=False)
    shutil.rmtree(RUN_DIR / "filestore" / "filestore" / name, ignore_errors=True)


def copy_database(source, target):
    """A copy of `source` (database and filestore) that a stage may litter."""
    drop_database(target)
    if run(["createdb", "--template", source, target], check=False).returncode:
        return False
    filestore = RUN_DIR / "filestore" / "filestore"
    if (filestore / source).is_dir():
        shutil.copytree(filestore / source, filestore / target)
    return True
