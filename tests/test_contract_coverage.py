"""Sweep: every organization-scoped model with a list route under /api/v1/ is tested by
the API contract (tests/contract.py), so that an endpoint added later cannot go without
it.

The test classes are found by reading the source of every test_*.py file of the
repository (ast), not by what pytest happened to import: a class counts when it
inherits `ScopedEndpointContract`, directly or through other test classes, and it covers
the route whose basename it declares, and every other list route of the same model
(e.g. the nested /warehouses/{id}/stock-locations/ through "stock-location").
"""

import ast
from dataclasses import dataclass
from pathlib import Path

from core import registry
from tests.apiwalk import list_routes, model_of

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = "ScopedEndpointContract"
# Folders of the repository that hold no tests of the project.
NOT_SCANNED = {".venv", "venv", ".git", "node_modules", "var", "__pycache__"}

# Scoped models with a list route that the contract does not fit, and why.
NOT_UNDER_CONTRACT = {
    # A read-only log (no create, update or delete), scoped by audit.views.visible_logs
    # and tested in audit/tests/api/.
    "audit.auditlog": "read-only",
    # Platform configuration under global (staff) permissions, not tenant data (see
    # docs/decisions.md); tested in core/tests/test_custom_fields_api.py.
    "core.customfielddefinition": "global configuration",
    # The same, for the notification emails' templates; tested in
    # notifications/tests/test_emails.py.
    "notifications.notificationtemplate": "global configuration",
    # Created, listed, resent and revoked, never updated nor deleted, under the
    # membership permissions; tested in api/v1/base_models/organization/tests/api/
    # test_invitations.py.
    "organization.organizationinvitation": "no update or delete",
    # Import and export jobs are their requester's own (an export holds what the
    # requester's role let them read), started from the models' lists, never written
    # through this route; tested in api/v1/features/data_jobs/tests/.
    "data_jobs.datajob": "the requester's own",
    # What rules did: a read-only log written by the rules' runs, tested in
    # api/v1/features/automation/tests/.
    "automation.automationlog": "read-only",
}


@dataclass(frozen=True)
class ScannedClass:
    path: Path
    name: str
    bases: tuple[str, ...]
    basename: str | None  # as declared in its own body


def _base_name(node) -> str:
    """`Base` of `class X(Base)` or `class X(module.Base)`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _declared_basename(node: ast.ClassDef) -> str | None:
    for statement in node.body:
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets = [statement.target]
        else:
            continue
        value = statement.value
        if (
            any(isinstance(target, ast.Name) and target.id == "basename" for target in targets)
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
        ):
            return value.value
    return None


def scan(root: Path = ROOT) -> list[ScannedClass]:
    """Every class defined in the test_*.py files under `root`."""
    found = []
    for path in sorted(root.rglob("test_*.py")):
        if NOT_SCANNED & set(path.relative_to(root).parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = tuple(_base_name(base) for base in node.bases)
                found.append(ScannedClass(path, node.name, bases, _declared_basename(node)))
    return found


def contract_classes(classes: list[ScannedClass]) -> dict[ScannedClass, str | None]:
    """{class: basename} of the classes inheriting the contract, directly or through
    other test classes; a base is looked up by name in the class's own file first, then
    anywhere. The basename is the class's own or its nearest base's."""
    by_name: dict[str, list[ScannedClass]] = {}
    for each in classes:
        by_name.setdefault(each.name, []).append(each)

    def bases_of(each: ScannedClass) -> list[ScannedClass]:
        found = []
        for name in each.bases:
            candidates = by_name.get(name, [])
            local = [other for other in candidates if other.path == each.path]
            found.extend(local or candidates)
        return found

    def resolve(each: ScannedClass, seen: frozenset) -> tuple[bool, str | None]:
        if each in seen:
            return False, None
        inherits = CONTRACT in each.bases
        basename = each.basename
        for base in bases_of(each):
            base_inherits, base_basename = resolve(base, seen | {each})
            inherits = inherits or base_inherits
            if basename is None and base_inherits:
                basename = base_basename
        return inherits, basename

    result = {}
    for each in classes:
        inherits, basename = resolve(each, frozenset())
        if inherits:
            result[each] = basename
    return result


def scoped_list_routes() -> list[tuple[str, str, type]]:
    """(URL, basename, model) of every list route of a registered scoped model."""
    scoped = set(registry.models_with("scoped"))
    found = []
    for url, callback in list_routes():
        model = model_of(callback.cls)
        if model in scoped:
            found.append((url, (callback.initkwargs or {}).get("basename"), model))
    return found


def uncovered_routes() -> list[tuple[str, str, type]]:
    """The scoped list routes no contract class covers (by basename or by model)."""
    routes = scoped_list_routes()
    model_of_basename = {basename: model for _url, basename, model in routes}
    basenames = set(contract_classes(scan()).values())
    covered_models = {model_of_basename[name] for name in basenames if name in model_of_basename}
    return [
        (url, basename, model)
        for url, basename, model in routes
        if basename not in basenames and model not in covered_models
    ]


# ------------------------------------------------------------------------------ tests
def test_the_scanner_finds_contract_classes_through_their_bases(tmp_path):
    # In the repository: the products' class.
    found = {
        (each.path.relative_to(ROOT).as_posix(), each.name): basename
        for each, basename in contract_classes(scan()).items()
    }
    assert found[("api/v1/features/products/tests/api/test_contract.py", "TestProductAPI")] == (
        "product"
    )
    # A class inheriting the contract through another, and one that does not.
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "test_one.py").write_text(
        "from tests import contract\n"
        "class Base(contract.ScopedEndpointContract):\n"
        "    basename = 'thing'\n"
        "class TestThing(Base):\n"
        "    factory = None\n"
        "class TestOther(Unrelated):\n"
        "    basename: str = 'other'\n"
    )
    (tmp_path / "pkg" / "helpers.py").write_text("class Ignored(ScopedEndpointContract): ...\n")

    found = {each.name: basename for each, basename in contract_classes(scan(tmp_path)).items()}

    assert found == {"Base": "thing", "TestThing": "thing"}


def test_every_scoped_list_route_is_under_the_contract():
    missing = [
        f"{model._meta.label} at {url} (basename {basename!r})"
        for url, basename, model in uncovered_routes()
        if model._meta.label_lower not in NOT_UNDER_CONTRACT
    ]

    assert not missing, (
        "No test class inherits tests.contract.ScopedEndpointContract for these scoped "
        "list routes; add one (with that basename) to the app's tests:\n" + "\n".join(missing)
    )


def test_the_exceptions_are_still_scoped_list_routes_without_the_contract():
    uncovered = {model._meta.label_lower for _url, _basename, model in uncovered_routes()}

    assert set(NOT_UNDER_CONTRACT) <= uncovered, (
        "Under the contract now, or no scoped list route any more: remove from "
        f"NOT_UNDER_CONTRACT: {sorted(set(NOT_UNDER_CONTRACT) - uncovered)}"
    )


def test_every_contract_class_names_a_list_route():
    basenames = {basename for _url, basename, _model in scoped_list_routes()}
    unknown = [
        f"{each.path.relative_to(ROOT)}::{each.name} (basename {basename!r})"
        for each, basename in contract_classes(scan()).items()
        if basename is not None and basename not in basenames
    ]

    assert not unknown, "No scoped list route under /api/v1/ has these basenames:\n" + (
        "\n".join(unknown)
    )
