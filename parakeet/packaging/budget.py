"""Size limits: Lambda's 250 MB unzipped ceiling, and a tighter budget of our choosing."""

from __future__ import annotations

from collections.abc import Mapping

MB = 1024 * 1024
LAMBDA_UNZIPPED_LIMIT_MB = 250


class BudgetExceeded(Exception):
    pass


def largest_packages(sizes: Mapping[str, int], count: int = 10) -> list[tuple[str, int]]:
    return sorted(sizes.items(), key=lambda item: (-item[1], item[0]))[:count]


def check_budget(
    unzipped_bytes: int, sizes: Mapping[str, int], *, budget_mb: float | None = None
) -> None:
    """Raise :class:`BudgetExceeded`, listing the ten largest packages, when over a limit."""
    limits = [(float(LAMBDA_UNZIPPED_LIMIT_MB), "Lambda's unzipped limit")]
    if budget_mb is not None:
        limits.append((float(budget_mb), "the --budget-mb budget"))
    for limit_mb, what in sorted(limits):
        if unzipped_bytes > limit_mb * MB:
            lines = [
                f"The artifact is {unzipped_bytes / MB:.1f} MB unzipped, over {what} "
                f"of {limit_mb:g} MB. Largest packages:"
            ]
            lines += [f"  {size / MB:8.1f} MB  {name}" for name, size in largest_packages(sizes)]
            raise BudgetExceeded("\n".join(lines))
