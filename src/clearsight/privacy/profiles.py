"""Release profiles: who gets what, generalised how far, against which risk thresholds.

* ``research``: for a vetted researcher under a data-sharing agreement. Traders and declarations are
  pseudonymised with the recipient's key; inspection results are kept (the point of fraud research);
  k = 5; the search may generalise dates up to quarters and HS codes up to headings.
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
        target_suppression=0.05,
        max_marketer_risk=0.10,
        pseudonymise=True,
        labels=True,
        quasi_identifiers={
            "lodged_at": ("week", "quarter"),
            "hs_code": ("hs6", "hs2"),
            "office_id": ("office group", "country"),
            "country_of_origin": ("value", "value"),
            "customs_value": ("1-2-5 band", "decade band"),
        },
        attributes={
            "mode_of_transport": "value",
            "procedure_code": "value",
            "duty_rate": "value",
            "preference_code": "value",
            "aeo_status": "value",
            "net_mass_kg": "2 significant figures",
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
