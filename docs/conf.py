"""Sphinx configuration of bidopt's documentation.

Three kinds of page are generated at build time (into ``_generated/``, not committed): the
API reference, one page per public sub-package listing every name of its ``__all__``; the
notebooks of ``../notebooks`` (executed by myst-nb during the build); and one page per
benchmark, including its latest table from ``../benchmarks/results``.
"""

from __future__ import annotations

import importlib
import inspect
import shutil
from pathlib import Path
from typing import Any

from sphinx.pycode import ModuleAnalyzer

import bidopt

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GENERATED = HERE / "_generated"

project = "bidopt"
author = "bidopt developers"
copyright = "2026, bidopt developers (BSD-3-Clause)"
release = bidopt.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "_generated/notebooks/data"]
suppress_warnings = ["mystnb.unknown_mime_type"]

html_theme = "pydata_sphinx_theme"
html_title = "bidopt"
html_theme_options = {"navigation_depth": 2, "show_toc_level": 2}

autodoc_typehints = "none"  # numpydoc's sections say the types, in words
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

myst_enable_extensions = ["dollarmath", "colon_fence"]
nb_execution_mode = "force"
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True

#: Public sub-packages, in the order of the API reference.  A name re-exported by several
#: (``bidopt.KeywordLog`` is ``bidopt.datasets.KeywordLog``) is documented once, in the
#: first that lists it, and linked from the others.
PACKAGES = [
    "bidopt.datasets",
    "bidopt.grouping",
    "bidopt.landscape",
    "bidopt.bidding",
    "bidopt.channels",
    "bidopt.pacing",
    "bidopt.replay",
    "bidopt.experiments",
    "bidopt.customers",
    "bidopt.plotting",
    "bidopt.report",
    "bidopt.io",
    "bidopt.exceptions",
    "bidopt.typing",
    "bidopt",
]

BENCHMARKS = {
    "grouping": "Keyword grouping and pooling",
    "bidding_speed": "Bid optimisation: speed and quality",
    "bidding_outcome": "Bid optimisation: outcome on a synthetic account",
    "channels_fit": "Response-curve fitting",
    "channels_split": "Channel budget split",
    "channels_uncertainty": "Channel splits from fitted curves, scored on the truth",
    "replay_ipinyou": "iPinYou 2997 replay",
    "replay_synthetic": "Pacing on synthetic auction logs",
    "experiments": "Experiments: A/B tests, sequential designs, creative bandits",
    "tune_pacing": "Tuning the pacing controllers",
    "backtest_keywords": "Keyword backtest",
    "customers": "Customer value: BG/NBD, Pareto/NBD and Gamma-Gamma on CDNOW",
    "crowds": "Crowd premiums: joint keyword bids and premiums, value bidding",
    "cluster": "Bid plans on a Dask cluster: 10M keywords from Parquet",
    "identifiability": "Bid plans from logs that cannot tell everything",
    "pooling_coverage": "Pooled rates: coverage of their intervals",
    "channels_window": "Campaign-window splits on S-shaped curves",
    "channels_frontier": "The history-only frontier of channel splits (issue #24)",
}


def _directive(obj: Any) -> str:
    if inspect.isclass(obj):
        return "autoclass"
    if inspect.isfunction(obj):
        return "autofunction"
    return "autodata"  # constants and type aliases (``FloatArray`` is callable, not a function)


def _api_pages() -> None:
    out = GENERATED / "api"
    out.mkdir(parents=True, exist_ok=True)
    home: dict[int, str] = {}  # id(object) -> where it is documented
    for name in PACKAGES:
        module = importlib.import_module(name)
        title = f"``{name}``"
        doc = (inspect.getdoc(module) or "").split("\n\n")[0]
        lines = [title, "=" * len(title), "", f".. currentmodule:: {name}", "", doc, ""]
        links = []
        for public in sorted(module.__all__):
            if public.startswith("__"):
                continue
            obj = getattr(module, public)
            key = id(obj)
            if key in home and not isinstance(obj, (str, int, float, dict, tuple)):
                links.append(f"- ``{name}.{public}``: the same object as :obj:`{home[key]}`")
                continue
            home.setdefault(key, f"{name}.{public}")
            directive = _directive(obj)
            if directive == "autodata" and not isinstance(obj, (str, int, float, dict, tuple)):
                # a type alias: autodoc cannot format numpy's generic aliases, so write the
                # entry from the alias's ``#:`` comment
                comment = ModuleAnalyzer.for_module(name).find_attr_docs().get(("", public))
                text = " ".join(line.strip() for line in comment or []) or "A type alias."
                spelled = str(obj)
                lines += [f".. py:data:: {public}", "", f"   {text}", ""]
                if len(spelled) < 100:
                    lines += [f"   ``{spelled}``", ""]
                continue
            lines += [f".. {directive}:: {public}"]
            if directive == "autoclass":
                lines += ["   :members:", "   :inherited-members: BaseModel, Exception"]
            if directive == "autodata":
                lines += ["   :annotation:"]
            lines.append("")
        if links:
            lines += ["Also here", "---------", "", *links, ""]
        (out / f"{name}.rst").write_text("\n".join(lines), encoding="utf-8")
    index = ["API reference", "=============", "", "Every public name, by sub-package.", ""]
    index += [".. toctree::", "   :maxdepth: 1", ""] + [f"   {name}" for name in PACKAGES]
    (out / "index.rst").write_text("\n".join(index) + "\n", encoding="utf-8")


def _notebook_pages() -> None:
    out = GENERATED / "notebooks"
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(ROOT / "notebooks", out, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    names = sorted(p.stem for p in out.glob("*.ipynb"))
    index = ["Notebooks", "=========", "", "Worked examples; each runs top to bottom.", ""]
    index += [".. toctree::", "   :maxdepth: 1", ""] + [f"   {n}" for n in names]
    (out / "index.rst").write_text("\n".join(index) + "\n", encoding="utf-8")


def _benchmark_pages() -> None:
    out = GENERATED / "benchmarks"
    out.mkdir(parents=True, exist_ok=True)
    for name in BENCHMARKS:
        table = ROOT / "benchmarks" / "results" / f"{name}.md"
        if table.exists():
            text = [f"```{{include}} ../../../benchmarks/results/{name}.md", "```", ""]
        else:
            text = [f"# {BENCHMARKS[name]}", "", "No results committed yet.", ""]
        text.append(
            f"Produced by `python benchmarks/{name}.py` on a 2-core machine; the table above "
            f"is `benchmarks/results/{name}.md` as committed."
        )
        (out / f"{name}.md").write_text("\n".join(text) + "\n", encoding="utf-8")
    index = ["Benchmarks", "==========", "", "The latest table of every benchmark script.", ""]
    index += [".. toctree::", "   :maxdepth: 1", ""] + [f"   {n}" for n in BENCHMARKS]
    (out / "index.rst").write_text("\n".join(index) + "\n", encoding="utf-8")


def _generate(app: Any) -> None:
    _api_pages()
    _notebook_pages()
    _benchmark_pages()


def setup(app: Any) -> None:
    app.connect("builder-inited", _generate)
