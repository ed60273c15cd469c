"""setup/bootstrap: virtualenv, Odoo, requirements, addons path."""

import hashlib
import importlib.util
import os
import re
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

from . import stack
from .common import (
    ADDONS_LINK_DIR,
    CACHE_DIR,
    REPO,
    SUITE_MODULE,
    VENV,
    apt_install,
    fail,
    run,
    say,
    venv_eval,
    venv_python,
    venv_run,
)

STAMP = VENV / ".suite-requirements"
BUILD_CONSTRAINTS = REPO / "setup" / "build-constraints.txt"
PIP_INSTALL = ("-m", "pip", "install", "--quiet")
ODOO_SERIES = (18, 0)
SUPPORTED_PYTHON = ((3, 10), (3, 12))
# Upstream's official nightly source archive of the 18.0 series.
UPSTREAM_SOURCE = "https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz"
# Odoo requirements the suite never needs and that only build against extra C
# libraries (auth_ldap is not part of the suite).
SKIPPED_ODOO_REQUIREMENTS = ("python-ldap",)
DOWNLOAD_TIMEOUT = 120
# setuptools of the virtualenv itself (builds keep setuptools<70, see
# build-constraints.txt). The one a Python 3.11 venv starts with has a
# pkg_resources that cannot match gevent's requirement `zope.interface` to the
# installed `zope_interface` distribution: prefork's websocket (gevent) process
# then dies at start-up and is respawned every second. 79 matches it and only
# raises the DeprecationWarning Odoo already silences.
RUNTIME_SETUPTOOLS = "setuptools==79.0.1"


def check_python():
    low, high = SUPPORTED_PYTHON
    if not low <= sys.version_info[:2] <= high:
        fail(
            f"Odoo 18 runs on Python {low[0]}.{low[1]} to {high[0]}.{high[1]}; "
            f"this is {sys.version.split()[0]}. Run the command with a supported "
            "interpreter, e.g. PYTHON=python3.11 setup/bootstrap."
        )


def odoo_series(package_dir):
    """Read (major, minor) from odoo/release.py without importing Odoo."""
    release = Path(package_dir) / "release.py"
    if not release.is_file():
        return None
    match = re.search(
        r"^version_info\s*=\s*\((\d+),\s*(\d+)", release.read_text(), re.M
    )
    return (int(match[1]), int(match[2])) if match else None


def host_odoo_package():
    """The odoo package importable by the interpreter running this script."""
    spec = importlib.util.find_spec("odoo")
    if spec and spec.origin and spec.origin.endswith("__init__.py"):
        return Path(spec.origin).parent
    return None


def is_source_tree(path):
    return (path / "odoo" / "release.py").is_file() and (path / "setup.py").is_file()


def download_upstream():
    target = CACHE_DIR / "odoo-18.0"
    if is_source_tree(target):
        return target
    say(f"downloading Odoo 18.0 from upstream ({UPSTREAM_SOURCE})")
    CACHE_DIR.mkdir(exist_ok=True)
    try:
        with (
            urllib.request.urlopen(UPSTREAM_SOURCE, timeout=DOWNLOAD_TIMEOUT) as resp,
            tempfile.TemporaryDirectory(dir=CACHE_DIR) as tmp,
        ):
            archive = Path(tmp) / "odoo.tar.gz"
            archive.write_bytes(resp.read())
            with tarfile.open(archive) as tar:
                tar.extractall(tmp, filter="data")
            roots = [p for p in Path(tmp).iterdir() if is_source_tree(p)]
            if not roots:
                return None
            shutil.move(str(roots[0]), target)
    except OSError as err:
        print(f"   download failed: {err}", file=sys.stderr)
        return None
    return target


def locate_odoo():
    """Where Odoo 18 comes from: (source tree or None, use system site-packages).

    Order: an Odoo already importable by this Python, a tree in ODOO_SRC, the
    tree a previous bootstrap installed into the virtualenv (so that a later
    command needs no ODOO_SRC), then upstream's official 18.0 sources.
    """
    package = host_odoo_package()
    if package and odoo_series(package) == ODOO_SERIES:
        tree = package.parent
        return (tree, False) if is_source_tree(tree) else (None, True)
    odoo_src = os.environ.get("ODOO_SRC")
    if odoo_src:
        tree = Path(odoo_src).expanduser().resolve()
        if is_source_tree(tree) and odoo_series(tree / "odoo") == ODOO_SERIES:
            return tree, False
        fail(
            f"ODOO_SRC points at {tree}, which is not an Odoo 18.0 source tree "
            "(expected odoo/release.py with version 18.0 and setup.py)."
        )
    tree = venv_odoo_tree()
    if tree:
        return tree, False
    tree = download_upstream()
    if tree and odoo_series(tree / "odoo") == ODOO_SERIES:
        return tree, False
    fail(
        "Odoo 18.0 was not found. The set-up looks, in this order, for an Odoo "
        "18.0 importable by this Python (e.g. installed with `pip install -e "
        "<odoo-src>`), for a source tree named by the ODOO_SRC environment "
        "variable, and for upstream's official 18.0 source archive "
        f"({UPSTREAM_SOURCE}), which could not be downloaded. Clone or unpack "
        "Odoo 18.0 somewhere and run again with ODOO_SRC=/path/to/odoo."
    )


def ensure_venv(system_site_packages):
    cfg = VENV / "pyvenv.cfg"
    wanted = "true" if system_site_packages else "false"
    if cfg.is_file() and f"include-system-site-packages = {wanted}" in cfg.read_text():
        return
    say(f"creating the virtualenv in {VENV.relative_to(REPO)}")
    cmd = [sys.executable, "-m", "venv", "--clear", VENV]
    if system_site_packages:
        cmd.insert(3, "--system-site-packages")
    run(cmd)


def venv_odoo_package():
    if not venv_python().exists():
        return None
    location = venv_eval(
        "import importlib.util as u; s = u.find_spec('odoo'); "
        "print(s.origin if s and s.origin else '')"
    )
    return Path(location).parent if location else None


def venv_odoo_tree():
    """The Odoo 18.0 source tree installed into the virtualenv, if any."""
    package = venv_odoo_package()
    if package is None or odoo_series(package) != ODOO_SERIES:
        return None
    return package.parent if is_source_tree(package.parent) else None


def ensure_build_tools():
    """psycopg2 (pinned by Odoo) builds from source against libpq."""
    if shutil.which("pg_config"):
        return
    if not apt_install(["libpq-dev", "gcc"]):
        fail(
            "psycopg2 needs PostgreSQL's client headers to build: install "
            "libpq-dev (Debian/Ubuntu) or your system's equivalent and run again."
        )


def ensure_browser():
    """Odoo's browser tests (tours) run in headless Chromium; without it they
    are skipped, which the test command counts as failed."""
    if any(
        shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
    ):
        return
    if not apt_install(["chromium"]):
        print("   no Chromium: browser tests will be skipped (and counted as failed)")


SSHD = Path("/usr/sbin/sshd")


def ensure_sshd():
    """The SFTP file transport's tests start their own OpenSSH server on a free
    loopback port (never the system service): without the binary they fail."""
    if SSHD.exists():
        return
    if not apt_install(["openssh-server"]):
        print("   no OpenSSH server: the SFTP transport tests will fail")


HAPROXY = Path("/usr/sbin/haproxy")


def ensure_haproxy():
    """The benchmark's multi-node scenarios start their own HAProxy (Debian's
    package, never the system service) in front of the Odoo nodes: without
    it they cannot run, so a failed installation stops the bootstrap."""
    if HAPROXY.exists():
        return
    if not apt_install(["haproxy"]):
        fail(
            "could not install Debian's haproxy (needs root and apt-get): "
            "install it, then run setup/bootstrap again"
        )


def requirements_files(tree):
    files = [REPO / "setup" / "requirements.txt"]
    if tree:
        files.insert(0, tree / "requirements.txt")
    return files


def filtered_odoo_requirements(tree):
    skipped = re.compile(
        r"^\s*(%s)\b" % "|".join(map(re.escape, SKIPPED_ODOO_REQUIREMENTS)), re.I
    )
    lines = (tree / "requirements.txt").read_text().splitlines()
    target = CACHE_DIR / "odoo-requirements.txt"
    CACHE_DIR.mkdir(exist_ok=True)
    target.write_text("\n".join(line for line in lines if not skipped.match(line)))
    return target


def pip_env(constrained=True, base=None):
    """pip's environment, with the build constraints when ``constrained``.

    They go through PIP_CONSTRAINT, not ``-c``: the isolated environments pip
    makes to build source distributions read them from there only. pip splits
    an environment value on whitespace, so the file is given as its file: URL,
    where a space is written %20 (a clone in "odd folder" works).
    """
    env = dict(os.environ if base is None else base)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.pop("PIP_CONSTRAINT", None)
    if constrained:
        env["PIP_CONSTRAINT"] = BUILD_CONSTRAINTS.as_uri()
    return env


def install_requirements(tree):
    digest = hashlib.sha256()
    for path in requirements_files(tree):
        digest.update(path.read_bytes())
    digest.update(str(tree).encode())
    digest.update(RUNTIME_SETUPTOOLS.encode())
    if STAMP.is_file() and STAMP.read_text() == digest.hexdigest():
        return
    env = pip_env()
    pip = PIP_INSTALL
    if tree:
        ensure_build_tools()
        say("installing Odoo's requirements (pinned by Odoo)")
        venv_run([*pip, "-r", filtered_odoo_requirements(tree)], env=env)
        if venv_odoo_package() != tree / "odoo":
            say(f"installing Odoo from {tree} into the virtualenv")
            # "compat" puts the tree itself on sys.path (a .pth entry): OCA wheels
            # add site-packages/odoo/addons, and with setuptools' default editable
            # finder that namespace folder would shadow the real odoo package.
            venv_run(
                [
                    *pip,
                    "--no-deps",
                    "--config-settings",
                    "editable_mode=compat",
                    "-e",
                    tree,
                ],
                env=env,
            )
    say("installing the suite's requirements (setup/requirements.txt)")
    venv_run([*pip, "-r", REPO / "setup" / "requirements.txt"], env=env)
    # Not under the build constraint, which would hold it below 70.
    venv_run([*pip, RUNTIME_SETUPTOOLS], env=pip_env(constrained=False))
    STAMP.write_text(digest.hexdigest())


def ensure_addons_link():
    """The umbrella addon is the repository itself: expose it by module name."""
    ADDONS_LINK_DIR.mkdir(exist_ok=True)
    link = ADDONS_LINK_DIR / SUITE_MODULE
    if link.is_symlink() and link.resolve() == REPO:
        return
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(Path(".."), target_is_directory=True)


def addons_path():
    return stack.addons_path(venv_odoo_package())


def bootstrap():
    check_python()
    tree, system_site = locate_odoo()
    ensure_venv(system_site)
    install_requirements(tree)
    ensure_browser()
    ensure_sshd()
    ensure_haproxy()
    ensure_addons_link()
    version = venv_eval("import odoo.release as r; print(r.version)")
    if not version or not version.startswith("%d.%d" % ODOO_SERIES):
        fail(
            "Odoo does not import in the virtualenv after installation; see the "
            "messages above. Remove .venv and run setup/bootstrap again."
        )
    say(f"environment ready: Odoo {version} in {VENV.relative_to(REPO)}")
