"""Named queries: every query in ``sql/`` is used, every name code uses exists, and each use runs the
query through the function its marker names (see ``recdb/db/sql.py``).

The check reads the code, not a run: a use is ``queries("area").name``, ``queries("area")["name"]``,
or either form on a variable assigned ``queries("area")`` in the same function or module.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

from recdb.db.sql import Returns, parse_named

ROOT = Path(__file__).resolve().parents[1]
CODE = ("recdb", "jobs", "bench", "tests")

# Queries for readers outside recdb (docs/consumers.md): the examples of sql/queries/ and the setters
# of their variables. Only tests run them.
FOR_CONSUMERS = {("scoring", "set_user_id"), ("scoring", "set_movie_id")}

# The function of recdb.db that runs a query, by what the query returns.
RUNNERS: dict[str, set[Returns]] = {
    "rows": {"rows"},
    "frame": {"rows"},
    "arrow": {"rows"},
    "records": {"rows", "one"},
    "one": {"one"},
    "scalar": {"scalar"},
    "execute": {"statement"},
}


def _defined() -> dict[tuple[str, str], tuple[Returns, str]]:
    """(area, name) -> (returns, file) for every named query under sql/ (migrations excluded)."""
    out = {}
    for path in sorted((ROOT / "sql").rglob("*.sql")):
        relative = path.relative_to(ROOT / "sql")
        if relative.parts[0] == "schema":
            continue
        area = relative.stem if len(relative.parts) == 1 else relative.parts[0]
        for name, query in parse_named(path.read_text(encoding="utf-8"), str(path)).items():
            out[(area, name)] = (query.returns, str(path.relative_to(ROOT)))
    return out


def _area_of(node: ast.AST) -> str | None:
    """``area`` when ``node`` is ``queries("area")`` (or ``module.queries("area")``)."""
    if not (isinstance(node, ast.Call) and len(node.args) == 1 and isinstance(node.args[0], ast.Constant)):
        return None
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return node.args[0].value if name == "queries" and isinstance(node.args[0].value, str) else None


class _Uses(ast.NodeVisitor):
    """Every use of a named query in one file: (area, name, the runner it is passed to, line)."""

    def __init__(self) -> None:
        self.uses: list[tuple[str, str, str | None, int]] = []
        self.whole_areas: set[str] = set()  # areas iterated with .names()
        self.dynamic: list[tuple[str, int]] = []  # q[expression]: not findable by reading
        self._aliases: list[dict[str, str]] = [{}]
        self._runner: dict[int, str] = {}

    def _scope(self, node: ast.AST) -> None:
        aliases = dict(self._aliases[-1])
        for child in ast.walk(node):
            if isinstance(child, ast.Assign) and (area := _area_of(child.value)) is not None:
                aliases.update({t.id: area for t in child.targets if isinstance(t, ast.Name)})
        self._aliases.append(aliases)
        self.generic_visit(node)
        self._aliases.pop()

    visit_Module = visit_FunctionDef = visit_AsyncFunctionDef = _scope

    def _base_area(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self._aliases[-1].get(node.id)
        return _area_of(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else None
        if name in RUNNERS and len(node.args) >= 2:
            self._runner[id(node.args[1])] = name
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        area = self._base_area(node.value)
        if area is not None:
            if node.attr == "names":
                self.whole_areas.add(area)
            else:
                self.uses.append((area, node.attr, self._runner.get(id(node)), node.lineno))
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        area = self._base_area(node.value)
        if area is not None:
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                self.uses.append((area, node.slice.value, self._runner.get(id(node)), node.lineno))
            else:
                self.dynamic.append((area, node.lineno))
        self.generic_visit(node)


def _scan() -> dict[str, _Uses]:
    found = {}
    for top in CODE:
        for path in sorted((ROOT / top).rglob("*.py")):
            visitor = _Uses()
            visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
            found[str(path.relative_to(ROOT))] = visitor
    return found


@pytest.fixture(scope="module")
def scan() -> dict[str, _Uses]:
    return _scan()


def test_every_used_name_exists(scan: dict[str, _Uses]) -> None:
    defined = _defined()
    missing = [
        f"{file}:{line}: queries({area!r}).{name}"
        for file, uses in scan.items()
        for area, name, _, line in uses.uses
        if (area, name) not in defined
    ]
    assert not missing, "no such query:\n" + "\n".join(missing)


def test_every_query_is_used(scan: dict[str, _Uses]) -> None:
    """Code (recdb/, jobs/, bench/) runs every query but the consumers' ones, which tests run."""
    used: dict[tuple[str, str], set[str]] = defaultdict(set)
    for file, uses in scan.items():
        top = file.split("/")[0]
        for area, name, _, _ in uses.uses:
            used[(area, name)].add(top)
        for area in uses.whole_areas:
            for key in _defined():
                if key[0] == area:
                    used[key].add(top)
    unused = []
    for (area, name), (_, file) in _defined().items():
        users = (
            {"tests"} if area == "queries" or (area, name) in FOR_CONSUMERS else {"recdb", "jobs", "bench"}
        )
        if not used[(area, name)] & users:
            unused.append(f"{file}: {name} (not used in {'/, '.join(sorted(users))}/)")
    assert not unused, "queries nothing uses:\n" + "\n".join(unused)


def test_uses_are_found_by_reading(scan: dict[str, _Uses]) -> None:
    dynamic = [
        f"{file}:{line}"
        for file, uses in scan.items()
        for area, line in uses.dynamic
        if area not in uses.whole_areas  # for name in q.names(): q[name] runs them all
    ]
    assert not dynamic, "name the query as q.name or q['name'], not a computed name:\n" + "\n".join(dynamic)


def test_each_use_matches_its_marker(scan: dict[str, _Uses]) -> None:
    defined = _defined()
    wrong = []
    for file, uses in scan.items():
        for area, name, runner, line in uses.uses:
            returns = defined.get((area, name), (None, ""))[0]
            if runner is not None and returns is not None and returns not in RUNNERS[runner]:
                wrong.append(f"{file}:{line}: {runner}() runs {area}.{name}, which returns {returns}")
    assert not wrong, "\n".join(wrong)


def test_code_runs_queries_through_recdb_db() -> None:
    """Outside recdb/db, the library runs SQL with rows/one/scalar/execute/frame/arrow, not the cursor."""
    raw = []
    for top in ("recdb", "jobs"):
        for path in sorted((ROOT / top).rglob("*.py")):
            file = str(path.relative_to(ROOT))
            if file.startswith("recdb/db/"):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Attribute):
                    continue
                # con.execute / con.sql on a connection variable, or reading a cursor's rows
                if (node.attr in ("execute", "sql") and isinstance(node.value, ast.Name)) or node.attr in (
                    "fetchone",
                    "fetchall",
                ):
                    raw.append(f"{file}:{node.lineno}: .{node.attr}")
    assert not raw, "use recdb.db's functions:\n" + "\n".join(raw)
