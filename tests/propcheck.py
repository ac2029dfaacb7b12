"""A guard for property tests whose examples may legitimately end early.

A property such as "any text gives an article or a reported problem" passes for an
example that ends in a problem. Without a guard, such a test also passes when *every*
example ends early (a strategy that only makes broken posts, a parser that rejects
everything), and then it checks nothing.

The mechanism: the Hypothesis test is an inner function that the pytest test calls
once. Each example records whether it reached the checked part (``produced``) or
ended early. Hypothesis runs every example (generation, then the replay and shrinking
of a failure) before the call returns, so after it the pytest test sees the whole run
and asserts that enough examples produced output: at least ``share`` of them, and at
least ``minimum``. ``hypothesis.event``/``target`` cannot do this: events are only
statistics, and ``target`` steers generation; neither can fail a run.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Outcomes:
    """How many examples of one property run produced output, and how many ended early."""

    produced: int = 0
    ended_early: int = 0

    def record(self, produced: bool) -> None:
        if produced:
            self.produced += 1
        else:
            self.ended_early += 1

    def check(self, share: float, minimum: int = 10) -> None:
        """Fail when fewer than ``share`` of the examples (or ``minimum``) produced output."""
        total = self.produced + self.ended_early
        assert self.produced >= minimum, f"only {self.produced} of {total} examples produced output"
        assert self.produced >= share * total, (
            f"only {self.produced} of {total} examples produced output (expected {share:.0%})"
        )
