"""The catalogs: both languages say everything, with the same placeholders, in the course's terms.

And no sentence a student reads is left in the code: every user-facing English sentence in
``ui/``, ``pages/``, ``viz/`` and ``lessons/`` lives in the catalogs (formulas, proper names,
CSS and programmer-facing messages aside).
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

import i18n
from i18n.catalog import LANGUAGES, ROOT as CATALOG_ROOT, catalog, placeholders

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("app.py", "ui", "pages", "viz", "lessons", "optimizers", "surfaces", "deploy", "i18n")
GLOSSARY = tomllib.loads((CATALOG_ROOT / "glossary.toml").read_text(encoding="utf-8"))["term"]


def _sources(suffixes=(".py", ".js")) -> list[Path]:
    out = []
    for name in SOURCE_DIRS:
        path = ROOT / name
        out += [path] if path.is_file() else [p for p in sorted(path.rglob("*")) if p.suffix in suffixes
                                               and "vendor" not in p.parts and "build" not in p.parts]
    return out


def test_every_language_has_the_same_areas_and_keys():
    areas = {lang: sorted(p.name for p in (CATALOG_ROOT / lang).glob("*.toml")) for lang in LANGUAGES}
    assert all(a == areas["en"] for a in areas.values()), areas
    english = set(catalog("en"))
    for lang in LANGUAGES[1:]:
        other = set(catalog(lang))
        assert not english - other, f"{lang} lacks {sorted(english - other)[:20]}"
        assert not other - english, f"{lang} has keys English lacks: {sorted(other - english)[:20]}"


@pytest.mark.parametrize("lang", LANGUAGES[1:])
def test_every_translation_has_the_same_placeholders(lang):
    en, other = catalog("en"), catalog(lang)
    wrong = {k: (sorted(placeholders(v)), sorted(placeholders(other[k])))
             for k, v in en.items() if k in other and placeholders(v) != placeholders(other[k])}
    assert not wrong, wrong


def test_every_template_formats():
    """A stray brace would raise in front of a class: fill every template with sample values."""
    for lang in LANGUAGES:
        for key, text in catalog(lang).items():
            values = {name: 1.5 for name in placeholders(text)}
            try:
                i18n.t(key, lang, **values)
            except (ValueError, TypeError) as exc:  # a spec such as :d with a float is fine with an int
                try:
                    i18n.t(key, lang, **{name: 2 for name in values})
                except Exception:
                    pytest.fail(f"{lang}:{key}: {exc}")


def test_plural_keys_come_in_pairs():
    for key in catalog("en"):
        head, _, last = key.rpartition(".")
        if last in ("one", "other"):
            assert f"{head}.one" in catalog("en") and f"{head}.other" in catalog("en"), key


def _key_is_used(key: str, text: str) -> bool:
    if key.rsplit(".", 1)[-1] in ("one", "other"):
        key = key.rsplit(".", 1)[0]
    if f'"{key}"' in text or f"'{key}'" in text:
        return True
    # A key built from a name: t(f"app.pages.{stem}"), t("lessons." + key + ".title"), or a
    # table of words, Words("stability.verdict", ("stable", …)).
    parts = key.split(".")
    head, _, last = key.rpartition(".")
    if f'"{head}"' in text and f'"{last}"' in text:
        return True
    for i in range(1, len(parts)):
        prefix = ".".join(parts[:i]) + "."
        if re.search(r"""["']""" + re.escape(prefix) + r"""(\{|["']\s*\+)""", text):
            return True
    return False


def test_no_key_is_unused():
    text = "\n".join(p.read_text(encoding="utf-8") for p in _sources())
    unused = sorted(k for k in catalog("en") if not _key_is_used(k, text))
    assert not unused, f"{len(unused)} unused keys: {unused[:30]}"


@pytest.mark.parametrize("term", GLOSSARY, ids=lambda term: term["zh"])
def test_the_chinese_text_uses_the_course_terms(term):
    """Wherever English uses a glossary term, Chinese uses the course's word for it."""
    pattern = re.compile(term["en"], re.I)
    words = [term["zh"], *term.get("zh_also", ())]
    zh = catalog("zh")
    missing = [k for k, v in catalog("en").items() if pattern.search(v) and not any(w in zh[k] for w in words)]
    assert not missing, f"{term['zh']} missing in {missing[:15]}"


def test_chinese_is_simplified():
    """The notes are partly in traditional characters; the app writes simplified ones."""
    traditional = set("學習動錯誤隨機數據關處這門與當後點週減優計開設們從時間還經過")
    found = {k: v for k, v in catalog("zh").items() if traditional & set(v)}
    assert not found, list(found.items())[:10]


# ------------------------------------------------------------ no sentence left in the code

UI_DIRS = ("app.py", "ui", "pages", "viz", "lessons")
#: A trailing comment that marks a line's strings as never shown to a visitor (an assertion for
#: programmers, a CSS rule, a log line).
INTERNAL = "# i18n: internal"
_SENTENCE = re.compile(r"[A-Za-z][a-z]+(?:[ ,;:'’]+|-)[a-z][a-z]+")
_NOT_PROSE = re.compile(r"(\\[a-zA-Z]+|[{};]\s*$|^[\w.-]+$|<[a-z]+[ >]|:\s*[\w-]+;|\bvar\b|\bfunction\b|#[0-9a-fA-F]{3})")


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
        # a string on its own line is a comment (attribute docstrings)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            ids.add(id(node.value))
    return ids


def _exempt_calls(tree: ast.AST) -> set[int]:
    """Strings inside assertions, warnings, logging and exceptions for programmers (TypeError ...)."""
    ids = set()
    for node in ast.walk(tree):
        inner = None
        if isinstance(node, ast.Assert):
            inner = node.msg
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and isinstance(node.exc.func, ast.Name) \
                and node.exc.func.id in ("TypeError", "KeyError", "AssertionError", "NotImplementedError",
                                         "RuntimeError", "AttributeError"):
            inner = node.exc
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in ("warn", "debug", "info_log", "warning_log", "exception", "getLogger"):
            inner = node
        if inner is not None:
            ids |= {id(n) for n in ast.walk(inner)}
    return ids


def english_sentences(path: Path) -> list[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    skip = _docstrings(tree) | _exempt_calls(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in skip:
            continue
        text = node.value
        if not _SENTENCE.search(text) or _NOT_PROSE.search(text):
            continue
        if INTERNAL in lines[node.lineno - 1] or (node.end_lineno and INTERNAL in lines[node.end_lineno - 1]):
            continue
        found.append((node.lineno, text.strip()[:80]))
    return found


#: Files whose strings are documentation for developers (the payload's field table).
DEVELOPER_DOCS = ("viz/player/schema.py",)


def _ui_files() -> list[Path]:
    out = []
    for name in UI_DIRS:
        path = ROOT / name
        out += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return [p for p in out if str(p.relative_to(ROOT)) not in DEVELOPER_DOCS]


@pytest.mark.parametrize("path", _ui_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_english_sentence_is_left_in_the_code(path):
    found = english_sentences(path)
    assert not found, "\n".join(f"{path.relative_to(ROOT)}:{line}: {text!r}" for line, text in found)
