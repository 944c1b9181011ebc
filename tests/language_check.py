"""What counts as an untranslated sentence: shared by the AppTests and the browser tests.

A Chinese page may still show names written the same in every language (optimizers and
schedulers as PyTorch writes them, surfaces named after people, file formats) and mathematics;
anything else of two or more English words in a row is an untranslated phrase. An English
page shows no Chinese character except the language switch's "中文".
"""

from __future__ import annotations

import re

#: Written the same in both languages (PyTorch's names, people's names, formats, units).
NAMES = re.compile(r"""\b(?:
    SGD|Adam|AdamW|NAdam|Adamax|AdaGrad|Adagrad|RMSProp|RMSprop|Nesterov|NAG|PyTorch|torch(?:\.\w+)*|
    StepLR|MultiStepLR|ExponentialLR|CosineAnnealingLR|LambdaLR|LinearLR|SequentialLR|OneCycleLR|
    InverseTimeLR|ReduceLROnPlateau|Rosenbrock|Beale|Himmelblau|Rastrigin|Goldstein(?:[–-]Price)?|Price|
    Descent|Streamlit|Plotly|CSV|GIF|MP4|HTML|PNG|URL|QR|LaTeX|JSON|Distill|CS231n|Sutskever|
    lr|eps|betas?|momentum|weight_decay|dampening|amsgrad|foreach|maximize|nesterov|lambda|gamma|
    step_size|milestones|T_max|eta_min|warmup|clip|noise|seed|steps|preset|view|mode|projector|lang|
    x|y|f|g|t|k|e|inf|nan|max|min|exp|log|sqrt|sin|cos|abs|tanh|pi|
    Ctrl|Shift|Enter|Space|Tab|Esc|Escape|km|ms|px
)\b""", re.X)
#: Mathematics and code: $…$ spans, LaTeX commands, `code`, URLs, key=value link parts.
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|\\[a-zA-Z]+|`[^`]*`|https?://\S+|\b\w+=[\w.\-]+|\*\*|\b[a-z_]+\.[a-z_.]+\b", re.S)
_PHRASE = re.compile(r"[A-Za-z][A-Za-z’'-]*[a-z](?:[ ,]+[A-Za-z][A-Za-z’'-]*[a-z])+")
_CHINESE = re.compile(r"[\u3400-\u9fff]")
#: What an English page may show in Chinese: the language switch's own name, and a Chinese book's
#: title in 《》 (the course's sources are cited by their own titles).
CHINESE_ALLOWED = ("中文",)
_BOOK_TITLE = re.compile(r"《[^》]*》")


def untranslated(text: str) -> list[str]:
    """English phrases (two or more words) in ``text`` once names and mathematics are set aside."""
    text = NAMES.sub(" ", _MATH.sub(" ", text))
    return [m.group(0) for m in _PHRASE.finditer(text)]


def chinese(text: str) -> list[str]:
    """Chinese characters in ``text`` (outside the language switch's name)."""
    for allowed in CHINESE_ALLOWED:
        text = text.replace(allowed, " ")
    text = _BOOK_TITLE.sub(" ", text)
    return _CHINESE.findall(text)


__all__ = ["untranslated", "chinese", "NAMES"]
