"""The economy a synthetic world trades in: partners, prices, preferences and the new fraud scheme.

Its own module because both the population (``parties``) and the goods (``goods``, which builds it) use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Economy:
    """Partners, prices and preferences of the administration's country, and the new scheme."""

    partners: list[str]
    sector_partner: np.ndarray  # (sectors, partners) share of imports
    product_partner_cdf: np.ndarray  # (products, partners) where each product comes from
    pair_price: np.ndarray  # (products, partners) price level
    pref_codes: list[str]
    pref_of: np.ndarray  # partner -> 0 (none) or 1 + index into pref_codes
    pref_factor: np.ndarray  # 0 or 1 + pref index -> share of the MFN duty due
    regional: np.ndarray  # partners a false origin is claimed from
    currency: str
    fx0: float  # national currency per USD at the start
    popularity: np.ndarray  # product -> how often it is traded
    sector_product_cdf: np.ndarray  # (sectors, products)
    scheme_product: int
    scheme_origin: int  # declared
    scheme_true_origin: int
    scheme_day: int

    def fx(self, day: np.ndarray) -> np.ndarray:
        """National currency per USD on a day: it slides slowly against the dollar."""
        return self.fx0 * (1 + 0.04 * day / 365.25)


__all__ = ["Economy"]
