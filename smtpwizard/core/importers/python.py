"""Python settings files (Django's ``settings.py``, a Flask config), read with :mod:`ast`:
constants, ``os.environ`` lookups and django-environ calls, never run."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from smtpwizard.core.errors import ImportFailed
from smtpwizard.core.i18n import _
from smtpwizard.core.importers.base import FORMATS
from smtpwizard.core.importers.base import Draft
from smtpwizard.core.importers.base import ImportResult
from smtpwizard.core.importers.base import Notes
from smtpwizard.core.importers.base import file_label
from smtpwizard.core.importers.base import finish
from smtpwizard.core.importers.base import unknown_format
from smtpwizard.core.importers.django import DJANGO_KEYS
from smtpwizard.core.importers.django import django_draft
from smtpwizard.core.importers.django import django_url_settings
from smtpwizard.core.importers.env import env_families
from smtpwizard.core.importers.env import parse_env
from smtpwizard.core.importers.envfile import EnvFile
from smtpwizard.core.importers.flask import FLASK_KEYS
from smtpwizard.core.importers.flask import flask_draft
from smtpwizard.core.importers.values import UNKNOWN
from smtpwizard.core.importers.values import Setting
from smtpwizard.core.importers.values import cast_value

__all__ = ["parse_python", "python_module", "pythonic"]


def python_module(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError):
        return None


def pythonic(text: str) -> bool:
    """Whether assignments look like Python (spaces around ``=``, imports) rather than .env."""
    return bool(
        re.search(r"^(?:import|from)[ \t]+[A-Za-z_]", text, re.M)
        or re.search(r"^[A-Z_][A-Z0-9_]*[ \t]+=[ \t]", text, re.M)
    )


_ENV_GETTERS = frozenset({"os.environ.get", "environ.get", "os.getenv", "getenv"})


_ENV_CASTS = frozenset({"str", "int", "bool", "float", "email", "url"})


def _dotted(node: ast.expr) -> str:
    """``os.environ.get`` for an attribute chain, ``vars()`` for a call without arguments."""
    parts: list[str] = []
    for _depth in range(12):
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return ".".join(reversed(parts))
        elif isinstance(node, ast.Call) and not node.args and not node.keywords:
            parts.append(_dotted(node.func) + "()")
            return ".".join(reversed(parts))
        else:
            return ""
    return ""


def _config_key(target: ast.expr) -> str | None:
    """``NAME`` of ``app.config["NAME"]`` (any object's ``config``), else ``None``."""
    if not isinstance(target, ast.Subscript):
        return None
    if not _dotted(target.value).endswith("config"):
        return None
    return _const_str(target.slice)


def _const_str(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


@dataclass(frozen=True)
class _Py:
    """A Python expression's value as far as the file tells it."""

    value: Any
    env: str | None = None


class _PyReader:
    """Follows the assignments of a settings file without running anything: at module level,
    in class bodies (``class Config: MAIL_SERVER = ...``, Flask's usual shape; a later class
    overrides an earlier one), and into a Flask app's ``config`` (``app.config["MAIL_SERVER"]
    = ...``, ``app.config.update(MAIL_SERVER=...)``)."""

    def __init__(self) -> None:
        self.names: dict[str, _Py] = {}
        self.origin: dict[str, str] = {}
        self.classes: dict[str, list[str]] = {}
        """The classes that set each name, in the order they do."""
        self.outside: dict[str, _Py] = {}
        """What is set outside any class (module level, ``app.config``)."""
        self.own: dict[str, dict[str, _Py]] = {}
        """What each class sets itself."""
        self.bases: dict[str, list[str]] = {}
        """Each class's bases, by name."""

    def walk(self, body: Sequence[ast.stmt], depth: int = 0, scope: str | None = None) -> None:
        if depth > 6:
            return
        for stmt in body:
            if isinstance(stmt, ast.Assign):
                value = self.eval(stmt.value)
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        self.names[target.id] = value
                        self.origin[target.id] = f"{scope}.{target.id}" if scope else target.id
                        if scope:
                            self.classes.setdefault(target.id, []).append(scope)
                            self.own.setdefault(scope, {})[target.id] = value
                        else:
                            self.outside[target.id] = value
                    elif (key := _config_key(target)) is not None:
                        self.names[key] = value
                        self.origin[key] = key
                        self.outside[key] = value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                if isinstance(stmt.target, ast.Name):
                    self.names[stmt.target.id] = self.eval(stmt.value)
                    self.origin[stmt.target.id] = stmt.target.id
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                self.update(stmt.value)
            elif isinstance(stmt, ast.If):
                self.walk(stmt.body, depth + 1)
                self.walk(stmt.orelse, depth + 1)
            elif isinstance(stmt, ast.Try):
                self.walk(stmt.body, depth + 1)
                for handler in stmt.handlers:
                    self.walk(handler.body, depth + 1)
                self.walk(stmt.orelse, depth + 1)
                self.walk(stmt.finalbody, depth + 1)
            elif isinstance(stmt, ast.With):
                self.walk(stmt.body, depth + 1, scope)
            elif isinstance(stmt, ast.ClassDef):
                self.bases[stmt.name] = [b.id for b in stmt.bases if isinstance(b, ast.Name)]
                self.walk(stmt.body, depth + 1, stmt.name)

    def settings_of(
        self, cls: str, seen: frozenset[str] = frozenset()
    ) -> dict[str, tuple[_Py, str]]:
        """What a program using class ``cls`` gets, with where each value is set: what is
        set outside classes, then what its bases set (as Python looks them up, nearest
        last), then its own."""
        if cls in seen or len(seen) > 12:
            return {}
        found = {key: (value, key) for key, value in self.outside.items()} if not seen else {}
        for base in reversed(self.bases.get(cls, [])):
            found.update(self.settings_of(base, seen | {cls}))
        found.update({key: (value, f"{cls}.{key}") for key, value in self.own.get(cls, {}).items()})
        return found

    def update(self, call: ast.Call) -> None:
        """``vars().update(env.email_url(...))`` and its kin put a dict into the settings;
        ``app.config.update(MAIL_SERVER=...)`` sets the keywords it names."""
        function = _dotted(call.func)
        if function.endswith("config.update"):
            for keyword in call.keywords:
                if keyword.arg is not None:
                    self.names[keyword.arg] = self.outside[keyword.arg] = self.eval(keyword.value)
                    self.origin[keyword.arg] = keyword.arg
            return
        if function not in ("vars().update", "globals().update", "locals().update"):
            return
        if len(call.args) != 1:
            return
        value = self.eval(call.args[0])
        if isinstance(value.value, dict):
            for key, item in value.value.items():
                if isinstance(key, str) and key.startswith("EMAIL_"):
                    self.names[key] = _Py(item, value.env)
                    self.origin[key] = value.env or key
            url = value.value.get("_url", UNKNOWN)
            self.names["EMAIL_URL"] = _Py(url, value.env)
            self.origin["EMAIL_URL"] = "EMAIL_URL"

    def eval(self, node: ast.expr, depth: int = 0) -> _Py:
        if depth > 12:
            return _Py(UNKNOWN)
        if isinstance(node, ast.Constant):
            return _Py(node.value)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = [self.eval(e, depth + 1) for e in node.elts[:50]]
            if len(node.elts) > 50 or any(i.value is UNKNOWN for i in items):
                return _Py(UNKNOWN)
            return _Py(tuple(i.value for i in items))
        if isinstance(node, ast.Name):
            return self.names.get(node.id, _Py(UNKNOWN))
        if isinstance(node, ast.Subscript):
            return self.subscript(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            return self.compare(node, depth)
        if isinstance(node, ast.BoolOp):
            result = _Py(UNKNOWN)
            for operand in node.values[:10]:
                result = self.eval(operand, depth + 1)
                if result.value is UNKNOWN:
                    return _Py(UNKNOWN, result.env)
                if bool(result.value) == isinstance(node.op, ast.Or):
                    return result
            return result
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.eval(node.operand, depth + 1)
            return _Py(UNKNOWN if inner.value is UNKNOWN else not inner.value, inner.env)
        return _Py(UNKNOWN)

    def subscript(self, node: ast.Subscript, depth: int) -> _Py:
        key = _const_str(node.slice)
        if key is None:
            return _Py(UNKNOWN)
        if _dotted(node.value) in ("os.environ", "environ"):
            return _Py(UNKNOWN, key)
        base = self.eval(node.value, depth + 1)
        if isinstance(base.value, dict):
            return _Py(base.value.get(key, UNKNOWN), base.env)
        return _Py(UNKNOWN, base.env)

    def compare(self, node: ast.Compare, depth: int) -> _Py:
        left = self.eval(node.left, depth + 1)
        right = self.eval(node.comparators[0], depth + 1)
        env = left.env or right.env
        if left.value is UNKNOWN or right.value is UNKNOWN:
            return _Py(UNKNOWN, env)
        op = node.ops[0]
        try:
            if isinstance(op, ast.Eq):
                return _Py(left.value == right.value, env)
            if isinstance(op, ast.NotEq):
                return _Py(left.value != right.value, env)
            if isinstance(op, ast.In):
                return _Py(left.value in right.value, env)
            if isinstance(op, ast.NotIn):
                return _Py(left.value not in right.value, env)
            if isinstance(op, (ast.Is, ast.IsNot)) and right.value is None:
                # ``os.environ.get("X") is not None``: whether the variable is set.
                return _Py((left.value is None) == isinstance(op, ast.Is), env)
        except TypeError:
            pass
        return _Py(UNKNOWN, env)

    def call(self, node: ast.Call, depth: int) -> _Py:
        name = _dotted(node.func)
        first = node.args[0] if node.args else None
        if name in _ENV_GETTERS:
            var = _const_str(first)
            if var is None:
                return _Py(UNKNOWN)
            default = node.args[1] if len(node.args) > 1 else _keyword(node, "default")
            if default is None:
                return _Py(None, var)
            return _Py(self.eval(default, depth + 1).value, var)
        if name.endswith(".email_url") or name in ("dj_email_url.config", "dj_email_url.parse"):
            return self.email_url(node, name, depth)
        if name in ("env", "config", "decouple.config") or (
            name.startswith("env.") and name[4:] in _ENV_CASTS
        ):
            var = _const_str(first) or _const_str(_keyword(node, "var"))
            if var is None:
                return _Py(UNKNOWN)
            default = _keyword(node, "default")
            if default is None and len(node.args) > 1 and name != "env":
                default = node.args[1]
            value = None if default is None else self.eval(default, depth + 1).value
            cast = (
                name[4:]
                if name.startswith("env.")
                else _dotted(_keyword(node, "cast") or ast.Constant(None))
            )
            return _Py(cast_value(value, cast), var)
        if name in ("int", "str", "bool") and len(node.args) == 1:
            inner = self.eval(node.args[0], depth + 1)
            return _Py(cast_value(inner.value, name, python=True), inner.env)
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("lower", "upper", "strip"):
            inner = self.eval(node.func.value, depth + 1)
            if isinstance(inner.value, str) and not node.args:
                return _Py(getattr(inner.value, node.func.attr)(), inner.env)
            return _Py(UNKNOWN, inner.env)
        return _Py(UNKNOWN)

    def email_url(self, node: ast.Call, name: str, depth: int) -> _Py:
        first = node.args[0] if node.args else None
        if name == "dj_email_url.parse":
            url = self.eval(first, depth + 1) if first is not None else _Py(UNKNOWN)
            if isinstance(url.value, str):
                return _Py(django_url_settings(url.value), url.env or "EMAIL_URL")
            return _Py(UNKNOWN, url.env)
        var_node = _keyword(node, "env" if name == "dj_email_url.config" else "var") or first
        var = _const_str(var_node) or "EMAIL_URL"
        default_node = _keyword(node, "default")
        if default_node is None and len(node.args) > 1:
            default_node = node.args[1]
        default = self.eval(default_node, depth + 1).value if default_node is not None else None
        if isinstance(default, str):
            return _Py(django_url_settings(default), var)
        return _Py({"EMAIL_HOST": UNKNOWN}, var)


def _one_account_per_class(
    reader: _PyReader, key: str, classes: list[str], notes: Notes, text: str, name: str
) -> ImportResult:
    """Settings classes (``Config``, ``ProductionConfig(Config)``…) that each set the server:
    one account per class, with what it inherits; the last one is the default."""
    notes.w(
        _(
            "{key} is set in several classes ({classes}): each is an account here, with what "
            "it inherits; the last one, {last}, is read unless you choose another (--account). "
            "Check which class your program uses."
        ).format(key=key, classes=", ".join(classes), last=classes[-1])
    )
    fmt = "flask-mail" if key == "MAIL_SERVER" else "django"
    build = flask_draft if fmt == "flask-mail" else django_draft
    drafts: list[Draft] = []
    for cls in classes:
        notes.prefix = f"{cls}: "
        settings = {
            setting: Setting(value.value, origin, value.env)
            for setting, (value, origin) in reader.settings_of(cls).items()
            if setting.startswith(("EMAIL_", "MAIL_", "DEFAULT_FROM_EMAIL"))
        }
        draft = build(settings, notes)
        draft.name = cls
        drafts.append(draft)
    notes.prefix = ""
    return finish(fmt, drafts, notes, text, name, default=len(drafts) - 1)


def parse_python(
    module: ast.Module, text: str, name: str, env: EnvFile | None = None, claim: bool = True
) -> ImportResult:
    """Django or Flask-Mail settings; ``env`` is the same text read as a .env, used instead
    when the Python reading finds nothing it can follow (``MAIL_HOST = smtp.example.com``).
    Without ``claim`` (neither the name nor the look says Python) finding nothing means the
    format is unknown."""
    reader = _PyReader()
    reader.walk(module.body)
    settings = {
        key: Setting(value.value, reader.origin.get(key, key), value.env)
        for key, value in reader.names.items()
        if key.startswith(("EMAIL_", "MAIL_", "DEFAULT_FROM_EMAIL"))
    }
    relevant = any(k in settings for k in (*DJANGO_KEYS, *FLASK_KEYS))
    followed = all(s.value is not UNKNOWN or s.env for s in settings.values())
    if (not relevant or not followed) and env is not None and env_families(env):
        return parse_env(env, text, name)
    notes = Notes()
    for key in ("MAIL_SERVER", "EMAIL_HOST"):
        classes = list(dict.fromkeys(reader.classes.get(key, [])))
        if key in settings and len(classes) > 1:
            return _one_account_per_class(reader, key, classes, notes, text, name)
    drafts: list[tuple[str, Draft]] = []
    if any(k in settings for k in DJANGO_KEYS):
        drafts.append(("django", django_draft(settings, notes)))
    if any(k in settings for k in FLASK_KEYS):
        drafts.append(("flask-mail", flask_draft(settings, notes)))
    if not drafts and not claim:
        raise unknown_format(name)
    if not drafts:
        raise ImportFailed(
            _(
                "{file} is Python, but it sets no mail settings smtpwizard knows "
                "(EMAIL_HOST, EMAIL_URL or Flask-Mail's MAIL_SERVER)."
            ).format(file=file_label(name))
        )
    if len(drafts) > 1:
        for fmt, draft in drafts:
            draft.name = FORMATS[fmt]
    return finish(drafts[0][0], [d for _f, d in drafts], notes, text, name)
