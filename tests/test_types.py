"""No boolean positional parameters in the package's public functions: a flag is passed by name
(``render.document(report, 6, show_all=True)``), so a call reads as what it asks for. (ruff's FBT001/FBT002 say the
same for every function, private ones too; this test holds the rule where ruff is not run.)"""

import ast
from pathlib import Path

import pytest

import adadelta_cli

PACKAGE = Path(adadelta_cli.__file__).parent
# Signatures the package does not choose: Typer fills a command's parameters by name from its options, and Click
# calls its own BaseCommand.main.
IMPOSED = {("cli/commands", "command"), ("cli/app.py", "main")}


BOOLEANS = {"bool", "bool|None", "None|bool", "Optional[bool]"}


def _boolean(annotation: ast.expr | None, default: ast.expr | None) -> bool:
    """A flag: annotated bool (or bool | None), or defaulting to True or False."""
    named = annotation is not None and ast.unparse(annotation).replace(" ", "") in BOOLEANS
    return named or (isinstance(default, ast.Constant) and isinstance(default.value, bool))


def _public_functions(tree: ast.Module):
    """(qualified name, node) of each function a user of the module may call: not starting with _ (an __init__ of
    a public class counts), at the top of the module or in a public class."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            yield node.name, node
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                        not item.name.startswith("_") or item.name == "__init__"):
                    yield f"{node.name}.{item.name}", item


def _boolean_positionals(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = function.args
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    return [a.arg for a, d in zip(positional, defaults) if _boolean(a.annotation, d)]


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_the_rule_sees_a_boolean_positional_parameter():
    tree = ast.parse("def f(a, flag: bool = False, *, other: bool = True): ...\n"
                     "def g(a, b=True): ...\n"
                     "def h(a, *, b=True, c: Optional[bool] = None): ...\n")
    found = {name: _boolean_positionals(node) for name, node in _public_functions(tree)}
    assert found == {"f": ["flag"], "g": ["b"], "h": []}
    assert _boolean_positionals(ast.parse("def k(a: bool | None, b: dict[str, bool]): ...").body[0]) == ["a"]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_boolean_positional_parameters(path: Path):
    where = path.relative_to(PACKAGE).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {name: params for name, node in _public_functions(tree)
             if not any(where.startswith(prefix) and name.split(".")[-1] == function for prefix, function in IMPOSED)
             and (params := _boolean_positionals(node))}
    assert found == {}, f"{where}: make these keyword-only (after *): {found}"
