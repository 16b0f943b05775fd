"""Experiments a merchant can stop early and trust: A/B comparisons of arms, designs,
sequential tests, Bayesian summaries, creative bandits and channel lift tests.

- :func:`compare` (on raw rows or :class:`ArmStatistics`): rates, means and ratio
  metrics per arm, absolute and relative lifts with intervals, Holm or Bonferroni
  multiplicity correction, a sample-ratio-mismatch check and CUPED adjustment.
- :func:`fixed_design` solves a fixed-horizon design for sample size, effect or power;
  :func:`group_sequential` gives alpha-spending boundaries for looks at any
  information fractions; :func:`always_valid` gives mSPRT p-values and confidence
  sequences for continuous peeking; :func:`bayes_summary` gives the chance to beat the
  control and the expected loss.
- :class:`TopTwoThompson`, :func:`simulate_bandit` and :func:`replay_bandit` allocate
  impressions across creatives.
- :func:`design_lift_test` sizes a channel lift test; :func:`lift_tests_table` holds
  the results (:data:`LIFT_TESTS_COLUMNS`).
"""

from bidopt.experiments._always_valid import AlwaysValidTest, always_valid
from bidopt.experiments._bandit import BanditResult, TopTwoThompson, replay_bandit, simulate_bandit
from bidopt.experiments._bayes import BayesSummary, bayes_summary
from bidopt.experiments._compare import Comparison, SampleRatioCheck, compare, srm_check
from bidopt.experiments._design import FixedDesign, fixed_design
from bidopt.experiments._lift import (
    LIFT_TESTS_COLUMNS,
    LiftTestDesign,
    design_lift_test,
    lift_test_result,
    lift_tests_table,
)
from bidopt.experiments._sequential import (
    GroupSequentialDesign,
    group_sequential,
    spending_function,
)
from bidopt.experiments._stats import ArmStatistics, summarize

__all__ = [
    "LIFT_TESTS_COLUMNS",
    "AlwaysValidTest",
    "ArmStatistics",
    "BanditResult",
    "BayesSummary",
    "Comparison",
    "FixedDesign",
    "GroupSequentialDesign",
    "LiftTestDesign",
    "SampleRatioCheck",
    "TopTwoThompson",
    "always_valid",
    "bayes_summary",
    "compare",
    "design_lift_test",
    "fixed_design",
    "group_sequential",
    "lift_test_result",
    "lift_tests_table",
    "replay_bandit",
    "simulate_bandit",
    "spending_function",
    "srm_check",
    "summarize",
]
