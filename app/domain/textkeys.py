"""Keys derived from names, stored beside them so the database can sort and search by them.

- ``pinyin_sort_key``: Chinese names in pinyin order (阿 before 白 before 长沙 before 重庆), as people
  expect a Chinese list sorted, where the code point order of the characters means nothing to a reader.
  Each Han word becomes its syllables with tone numbers (pypinyin's phrase dictionary decides polyphones:
  重庆 chong2 qing4, 银行 yin2 hang2), any other text its words lower-cased; tokens are separated by a
  space, so a name sorts before the longer names it begins ("张三" < "张三丰"). Names with the same
  pinyin follow it in character order after a separator that sorts below every token character (\\x1f),
  so the same characters stay together. Compare keys byte-wise (PostgreSQL: COLLATE "C").
- ``name_bigrams``: every pair of adjacent letters or digits of a name (case-folded, NFKC), the unit of the
  substring-search index: a fragment of two or more characters is found by the bigrams it contains, which
  an index serves for two characters as well as for twenty (a trigram index cannot serve "丰音").
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.seg.simpleseg import seg

SORT_KEY_LENGTH = 600  # characters kept of a key (a longer one only loses ties that deep)
TIE_SEPARATOR = "\x1f"


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII), case-folded."""
    return unicodedata.normalize("NFKC", text or "").casefold()


@lru_cache(maxsize=65536)
def _segment_syllables(segment: str) -> tuple[str, ...]:
    # Segments repeat from name to name (有限公司, 科技, city names): converting each once keeps a key at
    # about 60 µs instead of 300 µs for a whole name. pypinyin segments the same way inside lazy_pinyin.
    return tuple(lazy_pinyin(segment, style=Style.TONE3, neutral_tone_with_five=True))


def _is_han(token: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0002ffff" for ch in token)


def pinyin_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for segment in seg(text or ""):
        if _is_han(segment):
            for syllable in _segment_syllables(segment):
                # pypinyin keeps characters it has no reading for as they are
                tokens.extend(normalise(syllable).split())
        else:
            tokens.extend(normalise(segment).split())
    return tokens


def pinyin_sort_key(text: str | None) -> str | None:
    if text is None:
        return None
    key = " ".join(pinyin_tokens(text)) + TIE_SEPARATOR + normalise(text)
    return key[:SORT_KEY_LENGTH]


def name_bigrams(text: str | None) -> list[str]:
    """The distinct bigrams of the letter-and-digit runs of ``text``, in order of first appearance."""
    seen: dict[str, None] = {}
    run = ""
    for ch in normalise(text or "") + " ":
        if ch.isalnum():
            if run:
                seen.setdefault(run[-1] + ch)
            run += ch
        else:
            run = ""
    return list(seen)


def bigram_text(text: str | None) -> str:
    """The stored form: bigrams separated by spaces (one token each for the full-text index)."""
    return " ".join(name_bigrams(text))
