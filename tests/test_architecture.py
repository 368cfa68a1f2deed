"""Dependencies point one way: recommendations → convenings → commontable.core.

The apps import nothing of ``commontable`` but ``core``; ``core`` imports no app and no other
part of ``commontable``; the running site never imports the developer tooling. The imports are
read from the source (``ast``), so an import inside a function counts as much as one at the top.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("convenings", "recommendations")
CORE = "commontable.core"
DEVTOOLS = "commontable.devtools"


def modules_of(folder: Path, package: str):
    """Each module under ``folder`` as (dotted name, path), migrations included."""
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(folder).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join((package, *parts)), path


def imports_of(module: str, path: Path) -> set[str]:
    """Every module ``path`` imports, absolute or relative, anywhere in the file."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join(filter(None, [*base, node.module or ""]))
            else:
                origin = node.module
            found.add(origin)
            # ``from commontable import pagecache`` imports a module of the package.
            found.update(f"{origin}.{alias.name}" for alias in node.names)
    return found


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def site_modules():
    yield from modules_of(ROOT / "site" / "commontable", "commontable")


def app_modules():
    for app in APPS:
        yield from modules_of(ROOT / app, app)


def known_module(name: str) -> bool:
    """Whether ``name`` is one of our modules or packages (not a name imported from one)."""
    path = ROOT / "site" / Path(*name.split(".")) if within(name, "commontable") else None
    if path is None:
        path = ROOT / Path(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def test_the_walk_reads_every_module():
    """The walk sees the rooms and the apps, so an empty walk cannot pass."""
    names = {name for name, _ in (*site_modules(), *app_modules())}
    for expected in (
        "commontable.core.visibility",
        "commontable.accounts.models",
        "commontable.pages.views",
        "commontable.privacy.rule",
        "commontable.devtools.demo",
        "convenings.models",
        "recommendations.models",
    ):
        assert expected in names


@pytest.mark.parametrize(("module", "path"), list(app_modules()), ids=lambda v: str(v))
def test_apps_import_only_the_core_of_commontable(module, path):
    outside = sorted(
        name
        for name in imports_of(module, path)
        if within(name, "commontable") and not within(name, CORE) and known_module(name)
    )
    assert not outside, f"{module} imports {outside}: the apps may import only {CORE}"


def test_recommendations_come_after_convenings():
    backwards = sorted(
        f"{module} imports {name}"
        for module, path in modules_of(ROOT / "convenings", "convenings")
        for name in imports_of(module, path)
        if within(name, "recommendations")
    )
    assert not backwards, backwards


@pytest.mark.parametrize(
    ("module", "path"),
    [(m, p) for m, p in site_modules() if within(m, CORE)],
    ids=lambda v: str(v),
)
def test_core_imports_no_app_and_nothing_else_of_commontable(module, path):
    wrong = sorted(
        name
        for name in imports_of(module, path)
        if any(within(name, app) for app in APPS)
        or (within(name, "commontable") and not within(name, CORE) and known_module(name))
    )
    assert not wrong, f"{module} imports {wrong}"


@pytest.mark.parametrize(
    ("module", "path"),
    [
        (m, p)
        for m, p in (*site_modules(), *app_modules())
        if not within(m, DEVTOOLS) and not within(m, "commontable.management")
    ],
    ids=lambda v: str(v),
)
def test_the_running_site_never_imports_the_developer_tooling(module, path):
    tooling = sorted(name for name in imports_of(module, path) if within(name, DEVTOOLS))
    assert not tooling, f"{module} imports {tooling}"


def test_a_wrong_import_is_caught(tmp_path):
    """The walk sees imports inside functions and relative ones."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def later():\n"
        "    from commontable.accounts.models import User\n"
        "from .models import Thing\n"
    )
    found = imports_of("convenings.sample", sample)
    assert "commontable.accounts.models" in found
    assert "convenings.models" in found
