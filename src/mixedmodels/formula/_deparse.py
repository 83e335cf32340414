"""R expressions parsed with Python's :mod:`ast`, evaluated and named as R.

Factor expressions such as ``I(x^2)`` or ``log(Spobee+1)`` are turned into
Python (R's operators as Python's with the same precedence, :data:`_R_OPERATORS`
and :class:`_RPrecedence`; grouping parentheses kept as ``_paren`` calls;
names as :mod:`._rnames` makes them), evaluated through R's NA-aware
operators (:func:`python_code`), and printed back the way R's ``deparse``
prints them, which is how lme4 names model-matrix columns: ``I(x^2)``,
``log(Spobee + 1)``, ``poly(x, 2)``.
"""

from __future__ import annotations

import ast
import copy
import re

from mixedmodels.formula._errors import FormulaSyntaxError
from mixedmodels.formula._rnames import python_names, r_display, r_name, r_name_text

__all__ = ["call_operators", "free_names", "parse_expr", "parse_python", "python_code", "r_deparse"]

_BINOPS = {ast.Add: ("+", 10, " "), ast.Sub: ("-", 10, " "), ast.Mult: ("*", 11, " "),
           ast.Div: ("/", 11, ""), ast.Mod: ("%%", 12, ""), ast.FloorDiv: ("%/%", 12, ""),
           ast.Pow: ("^", 14, ""), ast.MatMult: ("%in%", 12, " ")}
_CMPOPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_UNARY = {ast.USub: "-", ast.UAdd: "+", ast.Not: "!"}


def call_operators(text: str) -> str:
    """A formula's text (names already :func:`python_names`) with R's
    operators and grouping parentheses inside calls in Python's terms
    (``I((x + 1) %% 2)``: formulaic parses those as Python) and ``%in%``
    between terms as ``:``; its terms then parse with :func:`parse_python`."""
    return _python_operators(text, inside_calls_only=True)


def parse_expr(text: str) -> ast.expr:
    """Parse one R expression into a Python AST node: R's operators as
    Python's (:data:`_R_OPERATORS`: ``^`` power, ``&``/``|``/``!`` the
    logical ones, with R's precedence, ``%in%`` matrix product, which
    :func:`python_code` evaluates as R's match), names with dots and Python
    keywords as :func:`~mixedmodels.formula._rnames.python_name`."""
    return parse_python(_python_operators(python_names(text.strip())), text)


def parse_python(code: str, text: str | None = None) -> ast.expr:
    """Parse an expression already in Python's terms (:func:`parse_expr`'s
    conversions, or :func:`call_operators`'), with R's precedence;
    ``text`` is what the user wrote, for errors."""
    try:
        return _RPrecedence().visit(ast.parse(code.strip(), mode="eval").body)
    except SyntaxError as exc:
        pos = (exc.offset or 1) - 1
        shown = text if text is not None else r_name_text(code)
        raise FormulaSyntaxError(f"cannot parse expression {shown!r}", shown, pos) from None


_PAREN = "_paren"
"""Grouping parentheses are parsed as calls of this (identity) name."""
_R_OPERATORS = [("%in%", " @ "), ("%/%", "//"), ("%%", "%"), ("&&", " and "), ("||", " or "),
                ("&", " and "), ("|", " or "), ("!=", "!="), ("!", " not "), ("^", "**")]
"""R's operators and the Python ones that parse with the same precedence."""


def _python_operators(text: str, inside_calls_only: bool = False) -> str:
    """``text`` with R's operators outside string literals as :data:`_R_OPERATORS`
    and grouping parentheses as calls of ``_paren`` (Python's parser drops
    them; R keeps them in names and they decide precedence: :class:`_RPrecedence`);
    ``inside_calls_only``: only inside a call's parentheses (``I(x %% 2)``),
    leaving a formula's own operators as they are."""
    out, quote, calls, i = [], None, [], 0
    while i < len(text):
        ch = text[i]
        if ch == "!" and not quote and not text.startswith("!=", i) and _after_operator(out):
            text = _negation_as_call(text, i)  # x * !b: Python's "not" cannot stand there
            continue
        if quote or ch in "'\"`":
            quote = None if ch == quote else (quote or ch)
            out.append(ch)
            i += 1
            continue
        if ch == "(":
            call = bool(re.search(r"[\w.]\s*$", text[:i]))  # a call's parenthesis, or grouping
            if not call and (any(calls) or not inside_calls_only):
                out.append(_PAREN)
            calls.append(call)
        elif ch == ")" and calls:
            calls.pop()
        if inside_calls_only and not any(calls):
            # between terms R's a %in% b is the term a:b (formulaic reads it as b / a, which adds
            # b); %in% binds less tightly than : and more than *, so : groups every formula alike
            nesting = text.startswith("%in%", i)
            out.append(":" if nesting else ch)
            i += 4 if nesting else 1
            continue
        for r_op, py_op in _R_OPERATORS:
            if text.startswith(r_op, i):
                out.append(py_op)
                i += len(r_op)
                break
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _after_operator(out: list[str]) -> bool:
    """Whether the text so far ends with a binary operator (``!`` then needs a call)."""
    done = "".join(out).rstrip()
    return bool(done) and done[-1] in "*/+-^@%<>="


def _negation_as_call(text: str, i: int) -> str:
    """``text`` with the ``!`` at ``i`` and its operand as ``_not(...)``: the
    operand runs, as R reads it, to the end of the enclosing group or
    argument, or to a ``&`` or ``|`` at its level."""
    depth, j, quote = 0, i + 1, None
    while j < len(text):
        ch = text[j]
        if quote or ch in "'\"`":
            quote = None if ch == quote else (quote or ch)
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth == 0 or (depth == 0 and ch in ",&|"):
            break
        elif ch == ")":
            depth -= 1
        j += 1
    return f"{text[:i]}_not({text[i + 1:j]}){text[j:]}"


def python_code(node: ast.expr) -> str:
    """Python source that evaluates ``node`` as R would: comparisons, ``&``,
    ``|``, ``!`` and ``%in%`` elementwise and NA-aware (the functions of
    :data:`~mixedmodels.formula._roperators.OPERATORS`), and R's dotted argument names
    (``include.lowest``, ``Boundary.knots``) as the Python functions'
    (``include_lowest``, ``Boundary_knots``)."""
    return ast.unparse(ast.fix_missing_locations(_Elementwise().visit(copy.deepcopy(node))))


def _is_paren(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == _PAREN
            and len(node.args) == 1 and not node.keywords)


_MULTIPLICATIVE = (ast.Mult, ast.Div, ast.Mod, ast.FloorDiv, ast.MatMult)
_SPECIAL = (ast.Mod, ast.FloorDiv, ast.MatMult)  # R's %%, %/%, %in%: tighter than * and /


class _RPrecedence(ast.NodeTransformer):
    """Python reads ``2 * x %% 3`` as ``(2 * x) % 3``; R's ``%op%`` operators
    bind more tightly than ``*`` and ``/``: ``2 * (x %% 3)``.  Each chain of
    these operators (explicit parentheses, ``_paren`` calls, end it) is
    rebuilt with R's precedence, left to right within a level."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        if not isinstance(node.op, _MULTIPLICATIVE):
            self.generic_visit(node)
            return node
        operands, ops = [], []
        while isinstance(node, ast.BinOp) and isinstance(node.op, _MULTIPLICATIVE):
            operands.append(self.visit(node.right))
            ops.append(node.op)
            node = node.left
        operands.append(self.visit(node))
        operands.reverse()
        ops.reverse()
        terms, products = [operands[0]], []
        for op, operand in zip(ops, operands[1:]):
            if isinstance(op, _SPECIAL):
                terms[-1] = ast.BinOp(left=terms[-1], op=op, right=operand)
            else:
                products.append(op)
                terms.append(operand)
        out = terms[0]
        for op, term in zip(products, terms[1:]):
            out = ast.BinOp(left=out, op=op, right=term)
        return out
"""Names in formulas' evaluation of R's elementwise operators (:mod:`._roperators`)."""


class _Elementwise(ast.NodeTransformer):
    """R's operators as calls of :data:`~mixedmodels.formula._roperators.OPERATORS`;
    R's argument names as Python's."""

    @staticmethod
    def _call(name: str, args: list) -> ast.Call:
        return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=args, keywords=[])

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if len(node.ops) != 1 or type(node.ops[0]) not in _CMPOPS:
            return node
        return self._call("_compare", [node.left, node.comparators[0], ast.Constant(_CMPOPS[type(node.ops[0])])])

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        return self._call("_and" if isinstance(node.op, ast.And) else "_or", node.values)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        return self._call("_not", [node.operand]) if isinstance(node.op, ast.Not) else node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        return self._call("_in", [node.left, node.right]) if isinstance(node.op, ast.MatMult) else node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if _is_paren(node):
            return node.args[0]
        for k in node.keywords:
            if k.arg is not None:
                k.arg = r_name(k.arg).replace(".", "_")
        return node


def free_names(node: ast.expr) -> tuple[set[str], set[str]]:
    """Return (variable names, called function names) used in ``node``."""
    funcs = {r_name(n.func.id) for n in ast.walk(node)
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    called = {id(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
    names = {r_name(n.id) for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in called}
    return names, funcs


def _prec(node: ast.expr) -> int:
    if isinstance(node, ast.BinOp):
        return _BINOPS.get(type(node.op), ("", 20, ""))[1]
    if isinstance(node, ast.UnaryOp):
        return 13 if not isinstance(node.op, ast.Not) else 7
    if isinstance(node, ast.Compare):
        return 8
    if isinstance(node, ast.BoolOp):
        return 5
    return 20


def _wrap(node: ast.expr, limit: int) -> str:
    text = r_deparse(node)
    return f"({text})" if _prec(node) < limit else text


def _number(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.15g}"
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    return repr(value)


def r_deparse(node: ast.expr) -> str:
    """Print ``node`` the way R's ``deparse`` would print the same call."""
    if _is_paren(node):
        return f"({r_deparse(node.args[0])})"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_not" and len(node.args) == 1:
        return "!" + _wrap(node.args[0], _prec(ast.UnaryOp(op=ast.Not(), operand=node.args[0])))
    if isinstance(node, ast.Name):
        return r_display(r_name(node.id))
    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.Attribute):
        return f"{r_deparse(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        args = [r_deparse(a) for a in node.args]
        args += [f"{r_name(k.arg)} = {r_deparse(k.value)}" for k in node.keywords]
        return f"{r_deparse(node.func)}({', '.join(args)})"
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        sym, prec, pad = _BINOPS[type(node.op)]
        right_assoc = isinstance(node.op, ast.Pow)
        left = _wrap(node.left, prec + (1 if right_assoc else 0))
        right = _wrap(node.right, prec + (0 if right_assoc else 1))
        return f"{left}{pad}{sym}{pad}{right}"
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)] + _wrap(node.operand, _prec(node))
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        op = _CMPOPS.get(type(node.ops[0]))
        if op:
            return f"{_wrap(node.left, 9)} {op} {_wrap(node.comparators[0], 9)}"
    if isinstance(node, ast.BoolOp):
        sym = " & " if isinstance(node.op, ast.And) else " | "
        return sym.join(_wrap(v, 6) for v in node.values)
    return ast.unparse(node)
