"""Keyword words and their roles: product word, brand, model number, attribute, modifier.

A merchant's ad group is one product (often of one brand): "花王湿巾", "nike 连衣裙".  The
query words around the product say who it is for, what size or colour, or how the user
shops (价格, 哪个好, 包邮, 旗舰店); they must not decide the group.  This module splits a
normalised keyword into words and gives each a role:

* **modifier** -- shopping words (:data:`MODIFIERS`), removed before anything else; they
  neither bind keywords nor name groups;
* **attribute** -- numbers with their units (``80w``, ``10斤``, ``42码``), years, letter
  sizes (``l码``, ``xl号``; in a Chinese keyword ``xxl`` or ``m`` alone too), the words
  of :data:`ATTRIBUTES` (audience, season, colour, size, material, style), and the
  places, rooms and uses of :data:`PLACES` (客厅, 卧室, 厨房, 车载, 办公室) where
  another word of the keyword can name the product (吊灯客厅 is a 吊灯; 客厅 alone, or
  装修客厅, keeps 客厅);
* **model** -- Latin tokens that mix letters and digits (``r50``, ``hwy14``);
* **brand** -- Latin words in a Chinese keyword (``nike``, ``zippo``);
* **product** -- the head: the last remaining word that can name a thing (Chinese noun
  phrases end in their head: "吸顶灯", "保温水杯"), with the word before it when it
  names a part, tool or material of something (:data:`GENERIC_PRODUCTS`: "相机支架",
  "蒸锅配件"); the other remaining words are **qualifiers** (Chinese brands, product
  types, uses).

Chinese is segmented with jieba (the ``chinese`` extra) when it is installed: a maintained
dictionary segmenter, deterministic and fast enough for a million keywords, whose
dictionary also carries part-of-speech tags that tell verbs and adjectives from nouns.
Without jieba each Chinese run stays one word (warned once); the character bigrams of
the product word still let keywords meet.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

__all__ = [
    "ATTRIBUTES",
    "GENERIC_CATEGORIES",
    "GENERIC_PRODUCTS",
    "MODIFIERS",
    "PLACES",
    "KeywordRoles",
    "compound_heads",
    "is_product_character",
    "keyword_roles",
    "learned_products",
    "segmenter",
]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: Shopping words removed before segmentation (longest first when they overlap).
MODIFIERS = _words(
    "价格 多少钱 哪个好 哪个牌子好 什么牌子好 什么牌子 哪家好 哪里买 怎么样 好不好 推荐 包邮 "
    "官方旗舰店 官方旗舰 官方 官网 旗舰店 旗舰 专营店 专卖店 天猫店 天猫 京东 淘宝 同款 正品 "
    "新款 爆款 网红 快递 特价 优惠券 优惠 代购 批发 厂家直销 厂家 直销 便宜 实惠装 排行榜 排名 "
    "十大 品牌 图片 大全 顺丰 现货 最新版 新版 神器"
)

#: Words that qualify a product and never name it: audience, season, size, colour,
#: material, style, use.
ATTRIBUTES = frozenset(
    _words(
        "男 女 男士 女士 男款 女款 男式 女式 男童 女童 儿童 童 宝宝 婴儿 婴幼儿 新生儿 孩子 小孩 "
        "小孩子 学生 小学生 中学生 初中生 大学生 中年 老人 老年 成人 大人 孕妇 家用 家庭 商用 专用 "
        "通用 户外 室内 冬季 夏季 春季 秋季 冬天 夏天 春秋 四季 冬款 夏款 加厚 加绒 加大 加长 加宽 "
        "大号 小号 中号 迷你 便携 便携式 折叠 可折叠 多功能 全自动 自动 智能 防水 防滑 高档 高端 "
        "简约 复古 韩版 潮流 时尚 可爱 大 小 新 老 单 双 套装 套 件套 一对 礼盒 礼物 定制 二手 "
        "全新 进口 国产 原装 原厂 正版 纯棉 不锈钢 实木 真皮 硅胶 塑料 金属 铝合金 红色 黑色 白色 "
        "蓝色 绿色 黄色 紫色 粉色 灰色 棕色 金色 银色 米色 橙色 咖啡色 透明 红 黑 白 蓝 绿 黄 紫 "
        "粉 灰 款 风 色 装 系列 型 式 版 号 码 个 只 件 轻便 超薄 新鲜 高级感 ins 潮 升级 老款 "
        "静音 节能 变频 无线 大容量 充电式 新品 日本 美国 德国 韩国 英国 法国 意大利 泰国 中国 "
        "国外 海外"
    )
)

#: Places, rooms and uses (where or what for a product is bought): attributes of a
#: keyword in which another word can name the product (吊灯客厅, 拖鞋浴室, 充电器车载),
#: the keyword's product word otherwise (客厅, 装修客厅).  A place right before a
#: one-character word or a part or tool names the product with it (玄关柜, 客厅灯,
#: 车载支架), as any word there does.  (户外, 室内, 家用 and 商用 are in
#: :data:`ATTRIBUTES`: attributes always.)
PLACES = frozenset(
    _words(
        "客厅 卧室 卧房 主卧 次卧 厨房 卫生间 浴室 洗手间 厕所 厨卫 阳台 露台 书房 餐厅 玄关 "
        "衣帽间 儿童房 婴儿房 客房 走廊 过道 楼梯 地下室 车库 庭院 花园 院子 室外 野外 车载 "
        "车用 车内 办公室 办公 宿舍 寝室 教室 学校 幼儿园 酒店 宾馆 民宿 公寓 别墅"
    )
)

_MODIFIER = re.compile("|".join(sorted(map(re.escape, MODIFIERS), key=len, reverse=True)))
_CJK_UNITS = (
    "英寸|寸|厘米|毫米|米|码|号|岁|斤|千克|公斤|克|吨|毫升|升|瓦|伏|安|件套|件|个|只|片|层|色|年|月|"
    "天|元|张|瓶|袋|串|孔|档|针|匹|人|代|系"
)
_LATIN_UNITS = "cm|mm|ml|kg|mah|gb|tb|p|m|g|l|w|v|a|t|k"
# a number with its unit (or a year, or a size such as 30x30)
_NUMBER = re.compile(
    rf"(?<![a-z0-9.])(?:\d+(?:[.x*]\d+)*|[一二两三四五六七八九十百千万]+(?=(?:{_CJK_UNITS})))"
    rf"(?:\s*(?:{_CJK_UNITS})|(?:{_LATIN_UNITS})(?![a-z0-9])|(?![a-z0-9.]))"
)
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# one Latin letter fused to a Chinese character is one word: t恤, u盘, k歌, b超
_TOKEN = re.compile(
    r"(?<![a-z0-9+#.])[a-z][\u3400-\u9fff]|"
    r"[\u3400-\u9fff\uf900-\ufaff]+|[a-z0-9+#.]+"
)
_FUSED = re.compile(r"[a-z][\u3400-\u9fff]")
_LETTERS = re.compile(r"[a-z]+")
# clothing letter sizes: s, m, l, xs, xxs, xl .. xxxl, 2xl .. 6xl
_SIZE_WORD = r"(?:[2-6]?x{1,3}l|x{1,2}s|[sml])"
# a letter size with the size unit (码 / 号): never a product, brand or model
_SIZE_UNIT = re.compile(rf"(?<![a-z0-9+#.]){_SIZE_WORD}\s*[码号]")
# a letter size alone (without 码 / 号); not xs, which names a phone model (苹果xs) as
# often as a size
_SIZE = re.compile(r"[2-6]?x{1,3}l|xxs|[sml]")
# jieba part-of-speech tags that never head a noun phrase: verbs, adjectives, adverbs,
# numerals, measure words, pronouns, prepositions, conjunctions, particles, time, place
_NOT_HEAD = ("v", "a", "d", "z", "m", "q", "r", "p", "c", "u", "y", "e", "f", "t", "o", "b")
# tags of function words and numerals: never a piece of a name (measure words may be:
# 家 of 水星家纺)
_FUNCTION = ("u", "p", "c", "r", "m", "y", "e", "o")
# tags of words that describe rather than name: verbs, adjectives, adverbs, states
_DESCRIBING = ("v", "a", "d", "z")
# single characters that end many words without saying what the thing is
_WEAK_SUFFIX = frozenset("子儿头的")
# noun suffixes of a word that names the same thing without them (靴子 / 靴, 裤子 / 裤)
_NOUN_SUFFIX = frozenset("子儿")
#: Last characters that end product words of many unrelated kinds (机: washing machine,
#: cutting machine; 器: feeder, amplifier; the forms a product comes in, 液 / 霜 / 粉 /
#: 膏 / 水 / 油: shampoo 洗发水 and mineral water 矿泉水, flour 面粉 and washing powder
#: 洗衣粉, toothpaste 牙膏 and ointment 药膏): a shared one says nothing about the product.
GENERIC_CATEGORIES = frozenset(
    "器机品件套头线片板条架包袋盒剂液贴管座仪具车表卡网杆环扣料物用宝王神类型款式系装体块面边口"
    "门台罩盖圈轮针钉扇器材器计机器粒丸素霜膜纸垫水油粉膏"
)
#: Product words that name a part, tool, material or service *of* something else
#: (支架: a microphone stand, a camera mount; 配件: spare parts of a car, a pot, a nail
#: gun): the thing named before them is part of the product word.
GENERIC_PRODUCTS = frozenset(
    _words("配件 零件 部件 支架 底座 工具 材料 原料 用品 周边 装饰 五金 科技 服务 套餐")
)
# jieba tags of a character that names a kind of product by itself (common nouns)
_PRODUCT_TAGS = frozenset(("n", "nz"))
# first characters of two-character properties ("防水", "免洗", "抗菌", "耐磨", "加厚")
_PROPERTY = frozenset("防免抗耐加单双多")
# jieba tags of proper names (people, places, organisations, other names: brands)
_NAMES = ("nr", "ns", "nt", "nz")


@dataclass(frozen=True, slots=True)
class KeywordRoles:
    """The words of one keyword by role (each a tuple of words in keyword order).

    ``spelled`` (for names only, not compared): ``(word, whole)`` pairs for the
    qualifiers the segmenter found right after lone characters of its own run, with
    those characters in front: an unknown name cut apart (铺子 -> 良品铺子 of
    良品铺子咖啡, which jieba reads 良 / 品 / 铺子).
    """

    product: str
    qualifiers: tuple[str, ...]
    brands: tuple[str, ...]
    models: tuple[str, ...]
    attributes: tuple[str, ...]
    spelled: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def whole(self, word: str) -> str:
        """``word`` as the keyword spells it whole (see ``spelled``)."""
        for w, whole in self.spelled:
            if w == word:
                return whole
        return word

    @property
    def category(self) -> str:
        """The product word's last meaningful character (``灯`` of ``吸顶灯``), or the
        product word itself when it is Latin."""
        word = self.product
        if not _CJK_RUN.fullmatch(word):
            return word
        if len(word) > 1 and word[-1] in _WEAK_SUFFIX:
            return word[-2]
        return word[-1]


class _Fallback:
    """Segmenter used without jieba: a Chinese run is one word; no tags."""

    tags: dict[str, str] = {}  # noqa: RUF012 (read-only)

    def cut(self, run: str) -> list[str]:
        return [run]


class _Jieba:
    def __init__(self, jieba: Any, posseg: Any) -> None:
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        self.tags: dict[str, str] = posseg.dt.word_tag_tab

    def cut(self, run: str) -> list[str]:
        # without the HMM for unknown words: it glues unknown brands to the product
        # ("太平鸟卫衣" -> "鸟卫衣"); unknown names fall apart into characters instead
        return [w for w in self._tokenizer.lcut(run, HMM=False) if w.strip()]


@lru_cache(maxsize=1)
def segmenter() -> _Jieba | _Fallback:
    """jieba's tokenizer (with its part-of-speech table), or the plain-words fallback."""
    try:
        import logging

        import jieba
        import jieba.posseg as posseg
    except ImportError:
        warnings.warn(
            "jieba is not installed: Chinese keywords are read as whole runs of characters "
            "(no word segmentation), which groups fewer of them. Install it with "
            "`pip install bidopt[chinese]`.",
            UserWarning,
            stacklevel=3,
        )
        return _Fallback()
    jieba.setLogLevel(logging.WARNING)
    return _Jieba(jieba, posseg)


@lru_cache(maxsize=1 << 18)
def _cut(run: str) -> tuple[str, ...]:
    """The words of one Chinese run (cached: accounts repeat their brand and product
    runs many times)."""
    return tuple(segmenter().cut(run))


def _singular(word: str) -> str:
    """Plural English nouns to singular (``chairs`` -> ``chair``), conservatively."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-2] if word.endswith(("ches", "shes", "xes")) else word[:-1]
    return word


def _is_attribute(word: str, tags: dict[str, str]) -> bool:
    """An attribute word: listed, or a two-character property such as 防水 / 免洗 / 加厚
    / 双门 (not a name such as the brand 耐克)."""
    if word in ATTRIBUTES:
        return True
    return (
        len(word) == 2
        and word[0] in _PROPERTY
        and word[1] != "器"
        and not tags.get(word, "").startswith(_NAMES)
    )


def _places(words: Sequence[str], at: Sequence[int], tags: dict[str, str]) -> set[int]:
    """Positions (into ``words``) of the place words (:data:`PLACES`) among the content
    words at ``at`` that are attributes: all of them, when another content word can head
    the keyword (a noun, or a one-character last word); none otherwise.  A place right
    before a one-character word or a part, tool or material (:data:`GENERIC_PRODUCTS`)
    stays: it names the product with it (玄关 / 柜, 车载 / 支架), as any word there does."""
    content = set(at)
    places = {
        i
        for i in at
        if words[i] in PLACES
        and not (i + 1 in content and (len(words[i + 1]) == 1 or words[i + 1] in GENERIC_PRODUCTS))
    }
    if not places:
        return places
    last = at[-1]
    return (
        places
        if any(
            (len(words[i]) == 1 and i == last) or not tags.get(words[i], "n").startswith(_NOT_HEAD)
            for i in at
            if i not in places
        )
        else set()
    )


def _is_piece(word: str, tags: dict[str, str]) -> bool:
    """A lone character that may be a piece of an unknown name: not an attribute word,
    not a function word (的, 和, 一)."""
    return (
        len(word) == 1 and word not in ATTRIBUTES and not tags.get(word, "").startswith(_FUNCTION)
    )


def _leans_on(
    pieces: tuple[str, ...], k: int, used: set[int], product: str, keep: set[str]
) -> bool:
    """Whether lone characters may lean on piece ``k`` of a run: a qualifier word of two
    characters or more, not yet leant on."""
    return (
        0 <= k < len(pieces)
        and k not in used
        and len(pieces[k]) > 1
        and pieces[k] != product
        and pieces[k] in keep
    )


def _spelled(
    runs: Sequence[tuple[str, ...]], product: str, qualifiers: Sequence[str], tags: dict[str, str]
) -> tuple[tuple[str, str], ...]:
    """``(qualifier, whole)`` for the qualifiers that are pieces of a name the segmenter
    cut apart: lone characters of a run (:func:`_is_piece`) with the word they lean on
    (良 / 品 / 铺子 -> 良品铺子, 花 / 西子 -> 花西子, 太平 / 鸟 -> 太平鸟), or two or more
    lone characters alone (戴 / 森 -> 戴森).  Lone characters lean on the next word,
    else on the word before; never on the product word (宽 / 沙发 stays apart)."""
    keep = set(qualifiers)
    out: dict[str, str] = {}
    for pieces in runs:
        # the pieces that make up the product word are never part of another name
        used: set[int] = set()
        for start in range(len(pieces)):
            end, joined = start, ""
            while end < len(pieces) and product.startswith(joined + pieces[end]):
                joined += pieces[end]
                end += 1
                if joined == product:
                    used.update(range(start, end))
                    break
        i, n = 0, len(pieces)
        while i < n:
            if i in used or not _is_piece(pieces[i], tags):
                i += 1
                continue
            j = i
            while j < n and j not in used and _is_piece(pieces[j], tags):
                j += 1

            span = (
                range(i, j + 1)
                if _leans_on(pieces, j, used, product, keep)
                else range(i - 1, j)
                if _leans_on(pieces, i - 1, used, product, keep)
                else None
            )
            if span is None and j - i >= 2:
                span = range(i, j)
            if span is not None:
                used.update(span)
                whole = "".join(pieces[k] for k in span)
                for k in span:
                    if pieces[k] in keep:
                        out.setdefault(pieces[k], whole)
            i = j
    return tuple((w, out[w]) for w in dict.fromkeys(qualifiers) if w in out)


def is_product_character(char: str) -> bool:
    """Whether a product word's last character names a kind of product by itself
    (灯, 锅, 鞋, 靴): a noun in the segmenter's dictionary, not a person's name, and not
    one of :data:`GENERIC_CATEGORIES`.  Without jieba every non-generic character counts.
    """
    if char in GENERIC_CATEGORIES or not _CJK_RUN.fullmatch(char):
        return False
    tags = segmenter().tags
    return not tags or tags.get(char, "") in _PRODUCT_TAGS


def keyword_roles(text: str) -> KeywordRoles:
    """Roles of the words of one normalised keyword (see the module docstring)."""
    seg = segmenter()
    text = _MODIFIER.sub(" ", text)
    attributes = [m.group().replace(" ", "") for m in _NUMBER.finditer(text)]
    text = _NUMBER.sub(" ", text)
    attributes.extend(m.group().replace(" ", "") for m in _SIZE_UNIT.finditer(text))
    text = _SIZE_UNIT.sub(" ", text)
    chinese = bool(_CJK_RUN.search(text))
    words: list[str] = []  # candidate product words and qualifiers, in order
    runs: list[tuple[str, ...]] = []  # the segmenter's pieces of each Chinese run
    brands: list[str] = []
    models: list[str] = []
    latin_before = False  # whether the previous token was a Latin word or model
    for token in _TOKEN.findall(text):
        after_latin = latin_before
        latin_before = bool(_LETTERS.match(token)) and not _FUSED.fullmatch(token)
        if chinese and not after_latin and _SIZE.fullmatch(token):
            # a letter size alone in a Chinese keyword (连衣裙 xxl), not a brand; after
            # a Latin word it may be part of a model's name (galaxy s)
            attributes.append(token)
        elif _FUSED.fullmatch(token):
            words.append(token)
        elif _CJK_RUN.fullmatch(token):
            pieces = _cut(token)
            words.extend(pieces)
            runs.append(pieces)
        elif not _LETTERS.search(token):
            attributes.append(token)
        elif _LETTERS.fullmatch(token):
            if token in ATTRIBUTES:
                attributes.append(token)
            elif chinese:
                brands.append(token)
            else:
                words.append(_singular(token))
        else:
            models.append(token)
    is_attribute = [_is_attribute(w, seg.tags) for w in words]
    at = [i for i, attribute in enumerate(is_attribute) if not attribute]
    # places, rooms and uses are attributes where another word can name the product
    places = _places(words, at, seg.tags) if at else set()
    at = [i for i in at if i not in places]
    content = [words[i] for i in at]
    attributes.extend(w for i, w in enumerate(words) if i in places or is_attribute[i])
    if len(at) > 1 and len(content[-1]) == 1 and at[-1] - at[-2] > 1:
        # a lone last character after an attribute (宝 of 纸尿裤 男 宝, 夏 of 连衣裙 女
        # 夏) is no head, and never joins the word before the attribute (纸尿裤宝)
        attributes.append(content.pop())
    head = -1
    for i in range(len(content) - 1, -1, -1):
        # a one-character word ending the keyword ("垫" of "按摩 垫") is a head
        tag = (
            "n" if len(content[i]) == 1 and i == len(content) - 1 else seg.tags.get(content[i], "n")
        )
        if not tag.startswith(_NOT_HEAD) or i == 0:
            head = i
            break
    if head >= 0:
        product = content[head]
        start = head
        # a one-character head names the thing with the word before it ("按摩垫")
        if len(product) == 1 and head > 0 and _CJK_RUN.fullmatch(content[head - 1]):
            start = head - 1
            product = content[start] + product
        # a part, tool or material of something names that thing too ("相机支架")
        if product in GENERIC_PRODUCTS and start > 0 and _CJK_RUN.fullmatch(content[start - 1]):
            start -= 1
            product = content[start] + product
        # before the head, verbs and adjectives (柔顺, 控油, 可折叠) describe the product:
        # attributes; nouns and names (brands, uses, parts) stay qualifiers
        before = content[:start]
        describing = [w for w in before if seg.tags.get(w, "n").startswith(_DESCRIBING)]
        attributes.extend(describing)
        content = [w for w in before if w not in describing] + content[head + 1 :]
    elif brands or models:  # nothing but a brand or a model: it is what the user wants
        product = (brands or models)[-1]
    else:
        product = ""
    return KeywordRoles(
        product=product,
        qualifiers=tuple(content),
        brands=tuple(brands),
        models=tuple(models),
        attributes=tuple(attributes),
        spelled=_spelled(runs, product, content, seg.tags),
    )


def learned_products(
    roles: Sequence[KeywordRoles], *, min_keywords: int = 5, low: float = 0.5, high: float = 0.75
) -> list[KeywordRoles]:
    """Product words re-read from the keywords themselves: a last word that rarely heads
    the keywords holding it is an attribute.

    Queries often end in a describing word ("耳机蓝牙", "空调挂机", "床垫卧室") that the
    last-noun rule takes for the product.  Across a block, each word's *head rate* is
    the share of the (distinct) keywords holding it as product word or qualifier in
    which it is the product word.  A product word held by at least ``min_keywords``
    keywords with a head rate below ``low`` gives way to the keyword's qualifier with
    the highest head rate, if that rate is at least ``high`` (same support); the
    displaced word becomes an attribute.  Words seen less often keep the last-noun rule.

    Parameters
    ----------
    roles : sequence of KeywordRoles
        Roles of distinct keywords of one block.

    Returns
    -------
    list of KeywordRoles
        Same length and order.
    """
    heads: dict[str, int] = {}
    held: dict[str, int] = {}
    for r in roles:
        heads[r.product] = heads.get(r.product, 0) + 1
        for w in {r.product, *r.qualifiers}:
            held[w] = held.get(w, 0) + 1

    def rate(word: str) -> float:
        n = held.get(word, 0)
        return heads.get(word, 0) / n if n >= min_keywords else -1.0

    out = []
    for r in roles:
        if not r.qualifiers or not 0.0 <= rate(r.product) < low:
            out.append(r)
            continue
        best = max(reversed(r.qualifiers), key=rate)  # ties: the last
        if rate(best) < high:
            out.append(r)
            continue
        out.append(
            KeywordRoles(
                product=best,
                qualifiers=tuple(q for q in r.qualifiers if q != best),
                brands=r.brands,
                models=r.models,
                attributes=(*r.attributes, r.product),
                spelled=r.spelled,
            )
        )
    return out


def _bare(word: str) -> str:
    """A word without its noun suffix (靴子 -> 靴, 裤子 -> 裤; 子 alone stays)."""
    return word[:-1] if len(word) > 1 and word[-1] in _NOUN_SUFFIX else word


def compound_heads(products: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The head of each compound product word, where the keywords name that head alone.

    A Chinese product word X+Y (长筒靴, 登山裤, 登山绳) has the head Y when another of
    the keywords names Y alone as its product word, with or without the noun suffix
    子 / 儿 (靴子, 裤子, 绳子): the keywords themselves say that Y is a product.  Y is the
    longest proper suffix of the word (without its own noun suffix) that is such a
    product word; a one-character Y must also name a kind of product by itself
    (:func:`is_product_character`: 靴, 裤, 绳; not 机, 器, 片).  Without such
    evidence a compound has no head here: different compounds of one last character
    (吊灯 / 尾灯, 拖鞋 / 皮鞋) name different products about as often as one.

    Parameters
    ----------
    products : sequence of str
        The product words of the keywords of one block (repeats allowed).

    Returns
    -------
    dict of str to tuple of str
        For each compound product word with a head, the product words naming that head
        alone (靴 and 靴子 alike), sorted; words without a head are left out.
    """
    distinct = sorted(set(products))
    alone: dict[str, set[str]] = {}
    for word in distinct:
        if _CJK_RUN.fullmatch(word):
            alone.setdefault(_bare(word), set()).add(word)
    out: dict[str, tuple[str, ...]] = {}
    for word in distinct:
        bare = _bare(word)
        if len(bare) < 2 or not _CJK_RUN.fullmatch(word):
            continue
        for start in range(1, len(bare)):
            head = bare[start:]
            if head in alone and (len(head) > 1 or is_product_character(head)):
                out[word] = tuple(sorted(alone[head]))
                break
    return out
