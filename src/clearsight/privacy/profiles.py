"""Release profiles: who gets what, generalised how far, against which risk thresholds.

* ``research``: for a vetted researcher under a data-sharing agreement. Traders and declarations are
  pseudonymised with the recipient's key; inspection results are kept (the point of fraud research);
  k = 5 over date, HS code, office and origin; the search may generalise dates up to years, HS codes
  up to headings and offices up to the country, and prefers coarser dates and offices to coarser
  goods. Values and masses are rounded to two significant figures but are not quasi-identifiers
  (name ``customs_value`` in ``--quasi-identifiers`` to band it and count it in k).
* ``public``: open data. No identifiers at all, no inspection results, coarser starting levels, k = 10.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clearsight.privacy.hierarchy import LADDERS, STAR


@dataclass(frozen=True)
class Profile:
    name: str
    k: int
    #: the search stops generalising once suppression is at most this share of rows
    target_suppression: float
    #: pass/fail threshold for the marketer risk (expected share of records re-identified)
    max_marketer_risk: float
    pseudonymise: bool
    labels: bool
    #: default quasi-identifiers: column -> (starting level, highest level the search may reach)
    quasi_identifiers: dict[str, tuple[str, str]]
    #: other released columns (not used for k-anonymity) and their level
    attributes: dict[str, str] = field(default_factory=dict)
    #: what one level up costs the user of the release (the search buys the most suppression per cost)
    costs: dict[str, float] = field(default_factory=dict)

    def levels_for(self, column: str) -> tuple[str, str]:
        """Starting and highest level of ``column`` as a quasi-identifier under this profile."""
        if column in self.quasi_identifiers:
            return self.quasi_identifiers[column]
        names = LADDERS[column].names
        start = self.attributes.get(column, names[0])
        return start, names[-2] if len(names) > 2 else STAR


PROFILES: dict[str, Profile] = {
    "research": Profile(
        name="research",
        k=5,
        target_suppression=0.10,
        max_marketer_risk=0.10,
        pseudonymise=True,
        labels=True,
        quasi_identifiers={
            "lodged_at": ("week", "year"),
            "hs_code": ("hs6", "hs4"),
            "office_id": ("office group", "country"),
            "country_of_origin": ("value", "value"),
        },
        # goods detail and values are what fraud research needs most; dates and offices matter less
        costs={"hs_code": 4.0, "customs_value": 3.0, "net_mass_kg": 3.0},
        attributes={
            "mode_of_transport": "value",
            "procedure_code": "value",
            "duty_rate": "value",
            "preference_code": "value",
            "aeo_status": "value",
            "net_mass_kg": "2 significant figures",
            "customs_value": "2 significant figures",
            "gross_mass_kg": "2 significant figures",
            "quantity": "2 significant figures",
            "quantity_unit": "value",
        },
    ),
    "public": Profile(
        name="public",
        k=10,
        target_suppression=0.02,
        max_marketer_risk=0.05,
        pseudonymise=False,
        labels=False,
        quasi_identifiers={
            "lodged_at": ("month", "year"),
            "hs_code": ("hs4", "hs2"),
            "office_id": ("office group", "country"),
            "country_of_origin": ("value", STAR),
            "customs_value": ("decade band", STAR),
        },
        attributes={"mode_of_transport": "value"},
    ),
}
