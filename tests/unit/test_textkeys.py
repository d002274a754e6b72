"""Pinyin sort keys and name bigrams (app.domain.textkeys), with literal cases."""
import pytest
from pypinyin import Style, lazy_pinyin

from app.domain.textkeys import bigram_text, name_bigrams, pinyin_sort_key, pinyin_tokens


def in_key_order(names):
    return sorted(names, key=pinyin_sort_key)


def test_chinese_names_sort_by_pinyin_not_by_code_point():
    names = ["张三", "阿里巴巴", "白云山", "重庆华丰音响", "长沙银行", "北京传媒", "王五", "曾国藩"]
    # code point order would put 张 (U+5F20) before 王 (U+738B) and 阿 (U+963F) last
    assert in_key_order(names) == ["阿里巴巴", "白云山", "北京传媒", "曾国藩", "长沙银行", "重庆华丰音响", "王五", "张三"]


def test_polyphones_follow_the_word():
    assert pinyin_tokens("重庆") == ["chong2", "qing4"]
    assert pinyin_tokens("长沙银行") == ["chang2", "sha1", "yin2", "hang2"]
    assert pinyin_tokens("音乐厅") == ["yin1", "yue4", "ting1"]
    # 重庆 sorts under C, not under Z (zhong4)
    assert in_key_order(["郑州", "重庆", "成都"]) == ["成都", "重庆", "郑州"]


def test_a_name_sorts_before_the_longer_names_it_begins_and_same_sounds_stay_together():
    # 张 and 章 are both zhang1: the same characters stay together, in character order
    assert in_key_order(["张三丰", "章三", "张三", "张", "章三", "张三"]) == ["张", "张三", "张三", "章三", "章三", "张三丰"]


def test_latin_words_digits_and_full_width_text_sort_with_the_pinyin():
    names = ["ＡＢＣ传媒", "abc传媒", "ABD公司", "1号店", "爱华", "Zeta"]
    ordered = in_key_order(names)
    assert ordered[0] == "1号店"  # digits before letters
    assert ordered.index("ABD公司") < ordered.index("爱华")  # "abd" < "ai4"
    assert ordered.index("爱华") < ordered.index("Zeta")
    # full-width letters are the same letters
    assert pinyin_sort_key("ＡＢＣ传媒").split("\x1f")[0] == pinyin_sort_key("abc传媒").split("\x1f")[0]


def test_keys_are_bounded_and_none_stays_none():
    assert pinyin_sort_key(None) is None
    assert len(pinyin_sort_key("龍" * 200)) <= 600


@pytest.mark.parametrize("name", ["重庆华丰音响有限公司", "长沙银行股份有限公司", "深圳市嘉声影音科技有限公司",
                                  "ABC传媒（北京）有限公司", "单雄信", "乐山市音乐厅", "行长银行行长"])
def test_segment_by_segment_conversion_equals_pypinyin_on_the_whole_name(name):
    expected = [token.casefold() for token in lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True)]
    assert " ".join(pinyin_tokens(name)) == " ".join(" ".join(expected).replace("（", "(").replace("）", ")").split())


def test_bigrams_of_names():
    assert name_bigrams("丰音科技") == ["丰音", "音科", "科技"]
    assert name_bigrams("ABC传媒（北京）") == ["ab", "bc", "c传", "传媒", "北京"]
    assert name_bigrams("ＡＢ") == ["ab"]  # full width folded
    assert name_bigrams("丰\u200b音") == []  # a zero-width space splits the run
    assert name_bigrams("音音音") == ["音音"]  # distinct
    assert name_bigrams("丰") == [] and name_bigrams("") == [] and name_bigrams(None) == []
    assert bigram_text("丰音科技") == "丰音 音科 科技"
