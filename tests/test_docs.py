"""The API reference covers every public name of every public sub-package; the pages' whole
examples run."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest

import bidopt

pytest.importorskip("sphinx", reason="the docs configuration imports sphinx")
DOCS = Path(__file__).resolve().parent.parent / "docs"


def load_conf(tmp_path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("bidopt_docs_conf", DOCS / "conf.py")
    assert spec is not None and spec.loader is not None
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    conf.GENERATED = tmp_path  # write the generated pages here, not into docs/
    return conf


def test_every_public_subpackage_is_in_the_reference(tmp_path: Path) -> None:
    conf = load_conf(tmp_path)
    modules = pkgutil.iter_modules(bidopt.__path__)
    public = {f"bidopt.{m.name}" for m in modules if not m.name.startswith("_")}
    assert public | {"bidopt"} == set(conf.PACKAGES)


def test_every_public_name_is_documented_or_linked(tmp_path: Path) -> None:
    conf = load_conf(tmp_path)
    conf._api_pages()
    for name in conf.PACKAGES:
        page = (tmp_path / "api" / f"{name}.rst").read_text(encoding="utf-8")
        module = importlib.import_module(name)
        for public in module.__all__:
            if public.startswith("__"):
                continue
            documented = re.search(rf"^\.\. (auto\w+|py:data):: {re.escape(public)}$", page, re.M)
            linked = f"``{name}.{public}``: the same object as" in page
            assert documented or linked, f"{name}.{public} is missing from the API reference"


def test_every_benchmark_has_a_page() -> None:
    conf = load_conf(Path("/nonexistent"))
    scripts = {
        p.stem
        for p in (DOCS.parent / "benchmarks").glob("*.py")
        # run_all summarises the others; synthetic_account writes JSON only (no table)
        if not p.stem.startswith("_") and p.stem not in ("run_all", "synthetic_account")
    }
    assert scripts <= set(conf.BENCHMARKS)


#: Pages whose python blocks are whole programs (the others' blocks are fragments that
#: name the reader's own data: channels.md's ``spend``, ``revenue``; scaling.md starts a
#: Dask cluster, which tests/cluster covers).
RUNNABLE = ("identifiability.md",)


@pytest.mark.parametrize("page", RUNNABLE)
def test_page_examples_run(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(encoding="utf-8"), re.S)
    assert blocks, f"{page} has no python block"
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, str(DOCS / page), "exec"), {"__name__": "docs"})
