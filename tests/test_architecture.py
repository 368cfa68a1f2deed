"""Dependencies point one way: recommendations → convenings → commontable.core.

The apps import nothing of ``commontable`` but ``core``; ``core`` imports no app and no other
part of ``commontable``; the running site never imports the developer tooling. The imports are
read from the source (``ast``), so an import inside a function counts as much as one at the top,
and so does a module reached as an attribute (``commontable.accounts.models`` after
``import commontable.core.dates``) or named in a string (``import_string("commontable.…")``).
"""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site" / "commontable"
CORE = "commontable.core"
DEVTOOLS = "commontable.devtools"


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


# The project's own apps: the installed apps (settings.INSTALLED_APPS) whose package lives in
# the project folder, not installed from a registry, other than commontable itself.
APPS = {
    config.name: Path(config.path)
    for config in apps.get_app_configs()
    if Path(config.path).is_relative_to(ROOT)
    and "site-packages" not in Path(config.path).parts
    and not within(config.name, "commontable")
}


def modules_of(folder: Path, package: str):
    """Each module under ``folder`` as (dotted name, path), migrations included."""
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(folder).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join((package, *parts)), path


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for an attribute chain that starts at a plain name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else None


def imports_of(module: str, path: Path) -> set[str]:
    """Every name ``path`` imports, or reaches through an imported package, anywhere in the file.

    ``from a.b import c`` gives ``a.b.c`` (a module or a name of ``a.b``: both come from it);
    ``import a.b`` gives ``a.b``, and binds ``a``, through which ``a.x.y`` reaches any module
    of ``a``: those attribute chains are names the file uses too.
    """
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(), filename=str(path))
    found, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            bound.update(alias.name.partition(".")[0] for alias in node.names if not alias.asname)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join(filter(None, [*base, node.module or ""]))
            else:
                origin = node.module
            found.update(f"{origin}.{alias.name}" for alias in node.names)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            name = dotted(node)
            if name and name.partition(".")[0] in bound:
                found.add(name)
    return found


# ``commontable.`` and the name of one of its modules or packages, in any string.
COMMONTABLE_MODULE_IN_TEXT = re.compile(r"\bcommontable\.([A-Za-z_]\w*)")
COMMONTABLE_PARTS = {path.stem for path in SITE.glob("*.py")} | {
    path.parent.name for path in SITE.glob("*/__init__.py")
}


def modules_named_in_strings(path: Path) -> set[str]:
    """The modules of ``commontable`` a string constant in ``path`` names, outside ``core``.

    A string can load a module as surely as an import (``import_string``, a dotted path in a
    setting, ``mock.patch``). Only a name that starts with one of commontable's own modules or
    packages counts: ``"commontable.HomePage"`` is a model named by its app label (how
    ``parent_page_types`` and ``apps.get_model`` name models), and a salt such as
    ``"commontable.unsubscribe"`` is a word; neither names a module, so neither loads one.
    Docstrings are read by people, not loaded, and are left out.
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and ast.get_docstring(node, clean=False) is not None
    }
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            for match in COMMONTABLE_MODULE_IN_TEXT.finditer(node.value):
                if match[1] in COMMONTABLE_PARTS and match[1] != "core":
                    found.add(match[0])
    return found


def site_modules():
    yield from modules_of(SITE, "commontable")


def app_modules():
    for app, folder in APPS.items():
        yield from modules_of(folder, app)


def outside_core(name: str) -> bool:
    """Whether ``name`` is ``commontable`` or any name under it outside ``commontable.core``."""
    return within(name, "commontable") and not within(name, CORE)


def test_the_walk_reads_every_module():
    """The walk sees the rooms and the apps, so an empty walk cannot pass."""
    assert {"convenings", "recommendations"} <= APPS.keys()
    assert not any(within(app, "commontable") or within(app, "wagtail") for app in APPS)
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
    outside = sorted(name for name in imports_of(module, path) if outside_core(name))
    assert not outside, f"{module} imports {outside}: the apps may import only {CORE}"


@pytest.mark.parametrize(("module", "path"), list(app_modules()), ids=lambda v: str(v))
def test_apps_name_no_module_of_commontable_outside_the_core_in_a_string(module, path):
    named = sorted(modules_named_in_strings(path))
    assert not named, f"{module} names {named}: the apps may use only {CORE}"


def test_recommendations_come_after_convenings():
    backwards = sorted(
        f"{module} imports {name}"
        for module, path in modules_of(APPS["convenings"], "convenings")
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
        if any(within(name, app) for app in APPS) or outside_core(name)
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


# Django and Wagtail find these by name; they only re-export what the rooms define.
RE_EXPORTS = ("commontable.models", "commontable.wagtail_hooks")


@pytest.mark.parametrize(
    ("module", "path"),
    [
        (m, p)
        for m, p in site_modules()
        if m not in RE_EXPORTS and not within(m, "commontable.migrations")
    ],
    ids=lambda v: str(v),
)
def test_the_site_imports_each_name_from_the_room_that_defines_it(module, path):
    through = sorted(
        name
        for name in imports_of(module, path)
        if any(within(name, re_export) for re_export in RE_EXPORTS)
    )
    assert not through, f"{module} imports {through} through a re-export"


def test_a_wrong_import_is_caught(tmp_path):
    """The walk sees imports inside functions and relative ones."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def later():\n"
        "    from commontable.accounts.models import User\n"
        "from .models import Thing\n"
    )
    found = imports_of("convenings.sample", sample)
    assert "commontable.accounts.models.User" in found
    assert "convenings.models.Thing" in found
    assert any(outside_core(name) for name in found)


def test_every_name_outside_the_core_is_caught_and_the_core_itself_is_not(tmp_path):
    """No name under ``commontable`` gets through for want of a file to map it to."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from commontable import core\n"
        "from commontable.core import visibility\n"
        "from commontable import User\n"  # a name of the package, no module of its own
        "from commontable.models import HomePage\n"
    )
    found = imports_of("convenings.sample", sample)
    assert sorted(name for name in found if outside_core(name)) == [
        "commontable.User",
        "commontable.models.HomePage",
    ]


def test_a_module_reached_as_an_attribute_is_caught(tmp_path):
    """``import commontable.core.x`` binds ``commontable``, which reaches every room."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import commontable.core.dates\n"
        "def later():\n"
        "    return commontable.accounts.models.User, commontable.core.dates.validate_in_range\n"
    )
    found = imports_of("convenings.sample", sample)
    assert "commontable.accounts.models.User" in found
    assert sorted(name for name in found if outside_core(name)) == [
        "commontable.accounts",
        "commontable.accounts.models",
        "commontable.accounts.models.User",
    ]


def test_a_module_named_in_a_string_is_caught(tmp_path):
    """A dotted path in a string loads a module; a model's app label or a plain word does not."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Like commontable.privacy.rule, but for people."""\n'
        "from django.utils.module_loading import import_string\n"
        'User = import_string("commontable.accounts.models.User")\n'
        'MIDDLEWARE = ["commontable.devtools.query_count.QueryCountMiddleware"]\n'
        'FIELD = "commontable.core.plain_text.PlainTextField"\n'
        'parent_page_types = ["commontable.HomePage"]\n'
        'SALT = "commontable.unsubscribe"\n'
    )
    assert modules_named_in_strings(sample) == {
        "commontable.accounts",
        "commontable.devtools",
    }
