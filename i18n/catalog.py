"""The catalogs: one per language, a folder of flat TOML files (one file per area of the app).

``i18n/en/compare.toml`` holding ``sidebar.steps = "Steps"`` defines the key
``compare.sidebar.steps``. Areas are separate files only so that two people translating two parts
of the app never edit the same file; together they are the language's one catalog, and
`tests/test_i18n_catalogs.py` holds every language to the same keys and the same placeholders.

Placeholders are named (``{lr}``), filled by `i18n.t` with the app's number formatters.
"""

from __future__ import annotations

import string
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Mapping

ROOT = Path(__file__).resolve().parent
#: Every language the app speaks, English first (the fallback).
LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
#: Each language's name, written in that language (the switch shows these).
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}


def _flatten(table: Mapping, prefix: str, out: dict[str, str]) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}"
        if isinstance(value, Mapping):
            _flatten(value, key, out)
        elif isinstance(value, str):
            out[key] = value
        else:
            raise ValueError(f"{key}: catalog values are strings, got {type(value).__name__}")


@lru_cache(maxsize=None)
def catalog(lang: str) -> Mapping[str, str]:
    """Every key of ``lang``'s catalog and its text (read once per process)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; one of {LANGUAGES}")
    out: dict[str, str] = {}
    for path in sorted((ROOT / lang).glob("*.toml")):
        with path.open("rb") as fh:
            _flatten(tomllib.load(fh), path.stem, out)
    return out


def placeholders(text: str) -> frozenset[str]:
    """The named placeholders of a template: "{n} steps at lr {lr:link}" -> {"n", "lr"}."""
    return frozenset(name.split(".")[0].split("[")[0]
                     for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def area(lang: str, prefix: str) -> dict[str, str]:
    """The keys under ``prefix`` (without it) in ``lang``: what the browser player receives."""
    head = prefix + "."
    return {k[len(head):]: v for k, v in catalog(lang).items() if k.startswith(head)}


__all__ = ["ROOT", "LANGUAGES", "DEFAULT_LANGUAGE", "LANGUAGE_NAMES", "catalog", "placeholders", "area"]
