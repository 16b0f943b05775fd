"""``group_keywords(..., client=...)`` gives the in-process groups, field for field."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np
import pytest

from bidopt.datasets import make_search_account
from bidopt.exceptions import InvalidInputError
from bidopt.grouping import KeywordGroups, group_keywords

_BRANDS = ("acme", "zenith", "nordic", "lumo", "orbit", "kettle king")
_PRODUCTS = ("chair", "desk lamp", "running shoes", "phone case", "coffee maker", "backpack")
_WORDS = ("cheap", "best", "black", "leather", "kids", "waterproof", "2024", "xl", "buy", "sale")


def _english(n: int, rng: np.random.Generator) -> list[str]:
    """Seeded English shopping queries: [brand] [words] product [words], some plurals."""
    out = []
    for _ in range(n):
        words = list(rng.choice(_WORDS, size=int(rng.integers(0, 3)), replace=False))
        product = str(rng.choice(_PRODUCTS)) + ("s" if rng.random() < 0.2 else "")
        brand = [str(rng.choice(_BRANDS))] if rng.random() < 0.6 else []
        cut = int(rng.integers(0, len(words) + 1))
        out.append(" ".join([*brand, *words[:cut], product, *words[cut:]]))
    return out


@pytest.fixture(scope="module")
def account() -> dict[str, Any]:
    """2,400 Chinese keywords of the synthetic account (its campaigns are the blocks),
    600 English ones in three blocks of their own, blank keywords (emoji, punctuation)
    in several blocks, and a block whose product word is re-read from its keywords
    (the big "耳机蓝牙" keywords name 耳机 only with the block's learned roles)."""
    gen = np.random.default_rng(7)
    acc = make_search_account(2400, n_days=1, rng=11)
    english = _english(600, gen)
    blank = ["!!!", "🙂", "...", "🙂", "？"] * 4
    uses = ["无线", "降噪", "运动", "头戴", "入耳式", "跑步", "游戏", "骨传导", "挂耳式"]
    learned = [u + "蓝牙耳机" for u in uses] + [u + "耳机蓝牙" for u in uses[:3]]
    keywords = [*acc.keywords.tolist(), *english, *blank, *learned]
    blocks = [
        *acc.campaigns.astype(str).tolist(),
        *(f"en{i % 3}" for i in range(len(english))),
        *(f"en{i % 2}" for i in range(len(blank))),
        *(["bt"] * len(learned)),
    ]
    volumes = gen.gamma(0.5, 100.0, size=len(keywords)).round()
    volumes[-3:] = 1e6
    profiles = gen.normal(size=(len(keywords), 3))
    return {"keywords": keywords, "blocks": blocks, "volumes": volumes, "profiles": profiles}


def _same(got: KeywordGroups, ref: KeywordGroups) -> None:
    for field in fields(KeywordGroups):
        a, b = getattr(got, field.name), getattr(ref, field.name)
        if isinstance(b, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape, field.name
            assert a.tolist() == b.tolist(), field.name
        else:
            assert a == b, field.name


def test_grouping_on_the_cluster_is_the_in_process_grouping(
    client: Any, account: dict[str, Any]
) -> None:
    kw, blocks = account["keywords"], account["blocks"]
    assert len(set(blocks)) >= 5
    ref = group_keywords(kw, blocks=blocks, volumes=account["volumes"], rng=3)
    assert ref.n_groups < 0.8 * len(kw)  # keywords do merge, within blocks
    got = group_keywords(kw, blocks=blocks, volumes=account["volumes"], rng=3, client=client)
    _same(got, ref)


def test_ngrams_and_profiles_on_the_cluster(client: Any, account: dict[str, Any]) -> None:
    kw, blocks = account["keywords"], account["blocks"]
    settings: dict[str, Any] = {
        "blocks": blocks,
        "profiles": account["profiles"],
        "options": {"features": "ngrams", "n_neighbors": 10},
    }
    ref = group_keywords(kw, **settings)
    _same(group_keywords(kw, client=client, **settings), ref)


def test_one_block_and_a_bad_client(client: Any) -> None:
    kw = ["花王湿巾", "花王湿巾包邮", "哪个好花王湿巾", "花王奶粉", "🙂", "chair"]
    _same(group_keywords(kw, client=client), group_keywords(kw))
    with pytest.raises(InvalidInputError, match="`client` must be a distributed.Client"):
        group_keywords(kw, client="tcp://127.0.0.1:8786")
