"""Why a classroom request was refused, as a code plus values, never as English text.

The package is plain Python (no Streamlit, no catalog): the UI turns ``code`` into a sentence in
the visitor's language (``live_class.error.<code>`` in i18n/*/live_class.toml).
"""

from __future__ import annotations


class ClassError(Exception):
    """A refused request: ``code`` names the reason, ``values`` fill the sentence."""

    def __init__(self, code: str, **values):
        super().__init__(code, values)
        self.code = code
        self.values = values

    def __str__(self) -> str:  # a programmer's message (logs, test failures)
        extra = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"{self.code}({extra})" if extra else self.code


class StoreUnavailable(ClassError):
    """The shared store (Redis, a SQLite file) cannot be reached: each student works alone."""

    def __init__(self, detail: str = ""):
        super().__init__("store_unavailable", detail=detail)


#: Codes the UI has a sentence for.
CODES = ("unknown_room", "closed_room", "room_limit", "student_limit", "not_teacher", "no_round",
         "round_closed", "no_such_choice", "bad_code", "store_unavailable", "no_question")
