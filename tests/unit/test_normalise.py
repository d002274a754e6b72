"""Text as the rules see it (app.domain.normalise), literal cases and properties."""
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain import normalise as n


@pytest.mark.parametrize("raw,stored", [
    (None, None), ("", None), ("   ", None), ("\u3000\u200b ", None), ("\t\n", None),
    ("  深圳  ", "深圳"), ("\u3000深圳\u3000", "深圳"), ("深\u200b圳", "深圳"), ("a\u202eb", "ab"),
    ("先寄样刊，再谈价格。", "先寄样刊，再谈价格。"),  # Chinese punctuation kept in prose
    ("（深圳）有限公司", "（深圳）有限公司"),  # and full-width brackets in names
    ("line one\nline two", "line one\nline two"), ("x\x00y", "xy"),
])
def test_clean_text(raw, stored):
    assert n.clean_text(raw) == stored


@pytest.mark.parametrize("raw,stored", [
    ("１３８００１３８０００", "13800138000"), (" 0755-1234\u200b5678 ", "0755-12345678"), ("ＡＢＣ@ｅｘ.cn", "ABC@ex.cn"),
    ("", None), ("  ", None),
])
def test_clean_code(raw, stored):
    assert n.clean_code(raw) == stored


def test_credit_codes_are_upper_case():
    assert n.clean_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert n.clean_credit_code("９１３５０１００ｍ０００１００ｙ４３") == "91350100M000100Y43"
    assert n.clean_credit_code("") is None


@pytest.mark.parametrize("text,hidden", [
    ("甲\u200b公司", ["U+200B"]), ("\u202e司公", ["U+202E"]), ("a\u2060b\u2060c", ["U+2060"]),
    ("\ufeffx\u200dy", ["U+FEFF", "U+200D"]), ("普通名称", []), ("", []), (None, []), ("a\tb", []),
])
def test_hidden_characters(text, hidden):
    assert n.hidden_characters(text) == hidden


@pytest.mark.parametrize("text,key", [
    ("最\u200b佳", "最佳"), ("最 佳", "最佳"), ("最\u2060佳", "最佳"), ("最\u3000佳", "最佳"), ("最．佳", "最佳"),
    ("最-佳!", "最佳"), ("ＳＥＸ", "sex"), ("S e-x", "sex"), ("", ""), (None, ""),
])
def test_match_key(text, key):
    assert n.match_key(text) == key


@pytest.mark.parametrize("name,key", [
    (" A（B）C ", "A(B)C"), ("某某  有限公司", "某某 有限公司"), ("甲\u200b公司", "甲公司"), ("ＡＢＣ", "ABC"),
])
def test_name_key(name, key):
    assert n.name_key(name) == key


@pytest.mark.parametrize("reason,real", [
    ("客户拒付", True), ("wrong slot", True), ("1", True), (".", False), ("\u200b", False), ("  ", False),
    ("--", False), ("。", False), (None, False), ("", False), ("\u3000.\u200b", False),
])
def test_is_real_text(reason, real):
    assert n.is_real_text(reason) is real


@given(st.text(max_size=30))
def test_cleaning_is_idempotent_and_leaves_no_invisible_characters(text):
    once = n.clean_text(text)
    assert n.clean_text(once) == once
    assert once is None or (once == once.strip() and not n.hidden_characters(once))
    code = n.clean_code(text)
    assert n.clean_code(code) == code


@given(st.text(max_size=20), st.text(alphabet=st.sampled_from(" \u200b\u2060.,，。\u3000-"), max_size=3))
def test_match_key_ignores_what_is_put_between_characters(word, filler):
    key = n.match_key(word)
    spread = filler.join(unicodedata.normalize("NFKC", word))
    assert key in n.match_key(spread) or not key
