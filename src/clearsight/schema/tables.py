"""Canonical tables, aligned with the WCO Data Model.

Each field carries a *kind* (how ingestion parses and checks it), a storage type, a required flag, a
description, and its WCO Data Model ID where one exists. Data tables (those a user loads) also get two
lineage columns: the batch a row came from and the quality warnings it carried when it was accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

#: kind -> storage type (Ibis type string). The kind decides parsing and checks at ingestion.
KINDS: dict[str, str] = {
    "id": "string",  # identifier: trimmed text, never parsed as a number (leading zeros matter)
    "text": "string",
    "int": "int64",
    "amount": "float64",  # money, mass or quantity: decimal, must not be negative
    "rate": "float64",  # percentage, must not be negative
    "date": "date",
    "timestamp": "timestamp",
    "bool": "boolean",
    "country": "string",  # ISO 3166 alpha-2 after normalisation
    "currency": "string",  # ISO 4217 alpha-3
    "hs_code": "string",  # 6-10 digits (declarations: national tariff lines)
    "hs_any": "string",  # 2-10 digits, even (statistics are published at chapter or heading level too)
    "enum": "string",  # one of a fixed list of values
    "period": "string",  # YYYY or YYYYMM (trade statistics)
}


@dataclass(frozen=True)
class Field:
    """One canonical field."""

    name: str
    kind: str
    description: str
    required: bool = False
    wco_id: str | None = None
    values: tuple[str, ...] = ()  # allowed values of an enum field
    #: computed at ingestion (hs2...) or written by clearsight itself (a correction), never mapped from a source
    derived: bool = False

    @property
    def dtype(self) -> str:
        return KINDS[self.kind]


@dataclass(frozen=True)
class Table:
    """One canonical table."""

    name: str
    description: str
    fields: tuple[Field, ...]
    key: tuple[str, ...] = ()
    #: columns that must match a row of another table (referencing columns, table)
    references: tuple[tuple[tuple[str, ...], str], ...] = ()
    #: source-only fields accepted by the mapping of this table and routed elsewhere
    extra_fields: tuple[Field, ...] = field(default_factory=tuple)
    loadable: bool = True

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def mappable_fields(self) -> list[Field]:
        return [f for f in self.fields if not f.derived] + list(self.extra_fields)

    def field(self, name: str) -> Field:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"{self.name} has no field {name!r}") from None

    @cached_property
    def _by_name(self) -> dict[str, Field]:
        return {f.name: f for f in (*self.extra_fields[::-1], *self.fields[::-1])}

    def storage_schema(self) -> dict[str, str]:
        """Column name -> Ibis type string, lineage columns included for data tables."""
        cols = {f.name: f.dtype for f in self.fields}
        if self.loadable:
            cols.update(LINEAGE_COLUMNS)
        return cols


LINEAGE_COLUMNS: dict[str, str] = {"batch_id": "string", "quality_flags": "string"}

MODES = ("sea", "rail", "road", "air", "post", "fixed", "inland_water", "own_propulsion", "courier", "other")
LANES = ("green", "yellow", "red", "blue")
#: The clearance milestones of the WCO Time Release Study, in their usual order (events.event).
EVENT_CODES = (
    "arrival",
    "lodgement",
    "registration",
    "selection",
    "document_check",
    "inspection_start",
    "inspection_end",
    "assessment",
    "payment",
    "release",
    "exit",
)
RESULTS = ("compliant", "fraud", "critical")
FLOWS = ("M", "X", "RM", "RX")

F = Field

DECLARATIONS = Table(
    name="declarations",
    description="One row per goods item of an import declaration.",
    key=("declaration_id", "item_no"),
    fields=(
        F("declaration_id", "id", "Declaration reference, unique per declaration", True),
        F("item_no", "int", "Goods item number within the declaration", True, "006"),
        F("lodged_at", "timestamp", "When the declaration was lodged (accepted by customs)", True, "023"),
        F("office_id", "id", "Customs office of lodgement", True),
        F(
            "procedure_code",
            "text",
            "Customs procedure / regime code (e.g. 4000 release for free circulation)",
        ),
        F("declaration_type", "text", "Declaration type (e.g. IM, EX, simplified)"),
        F("mode_of_transport", "enum", "Mode of transport at the border", values=MODES),
        F("declarant_id", "id", "Declarant (broker or trader lodging the declaration)", True),
        F("importer_id", "id", "Importer (consignee)", True),
        F("seller_id", "id", "Seller / exporter abroad"),
        F("carrier_id", "id", "Carrier or courier"),
        F("country_of_origin", "country", "Country of origin (ISO alpha-2)", True, "063"),
        F("country_of_export", "country", "Country of export (ISO alpha-2)", False, "062"),
        F("hs_code", "hs_code", "Declared commodity code, 6 to 10 digits", True),
        F("hs2", "text", "HS chapter (from hs_code)", derived=True),
        F("hs4", "text", "HS heading (from hs_code)", derived=True),
        F("hs6", "text", "HS subheading (from hs_code)", derived=True),
        F("goods_description", "text", "Goods description as declared", False, "137"),
        F("quantity", "amount", "Quantity in the supplementary unit"),
        F("quantity_unit", "text", "Unit of the quantity (e.g. u, l, m2)"),
        F("net_mass_kg", "amount", "Net mass in kilograms"),
        F("gross_mass_kg", "amount", "Gross mass in kilograms"),
        F("customs_value", "amount", "Customs value in national currency", True),
        F("invoice_amount", "amount", "Invoice amount in the invoice currency"),
        F("invoice_currency", "currency", "Invoice currency (ISO 4217)"),
        F("duty_rate", "rate", "Duty rate applied, percent"),
        F("duty_tax_amount", "amount", "Duties and taxes assessed, national currency"),
        F("preference_code", "text", "Tariff preference claimed (empty when none)"),
        F("aeo_status", "bool", "Importer holds Authorised Economic Operator status"),
    ),
    # A declarations file may carry the control outcome of each item; it lands in `inspections`.
    extra_fields=(
        F("inspected", "bool", "Item was inspected (control outcome carried by a declarations file)"),
        F("fraud", "bool", "Inspection found an offence"),
        F("critical_fraud", "bool", "Inspection found a critical offence (prohibited goods, security)"),
        F("additional_revenue", "amount", "Additional duties and taxes recovered"),
        F("inspected_at", "timestamp", "When the inspection ended"),
    ),
)

INSPECTIONS = Table(
    name="inspections",
    description="Control outcomes: the labels. Only inspected items have one.",
    key=("declaration_id", "item_no"),
    references=((("declaration_id", "item_no"), "declarations"),),
    fields=(
        F("declaration_id", "id", "Declaration reference", True),
        F("item_no", "int", "Goods item number", True, "006"),
        F("lane", "enum", "Lane the item was in", values=LANES),
        F("method", "text", "Control method (documentary, physical, scan, ...)"),
        F("inspected_at", "timestamp", "When the inspection ended"),
        F("result", "enum", "compliant, fraud or critical", True, values=RESULTS),
        F("fraud_type", "text", "Kind of offence found (valuation, classification, origin, ...)"),
        F("additional_revenue", "amount", "Additional duties and taxes recovered"),
        F("officer_id", "id", "Officer who recorded the result"),
        # A result is never changed or removed: a correction is a new entry naming the one it corrects,
        # which then no longer counts (``clearsight.schema.measures.in_force``).
        F(
            "supersedes",
            "id",
            "Batch of the entry of the same item this one corrects (empty: not a correction)",
            derived=True,
        ),
        F("correction_reason", "text", "Why the entry it supersedes was corrected", derived=True),
    ),
)

EVENTS = Table(
    name="events",
    description="Clearance milestones, for the Time Release Study.",
    key=("declaration_id", "event", "at"),
    references=((("declaration_id",), "declarations"),),
    fields=(
        F("declaration_id", "id", "Declaration reference", True),
        F("event", "text", "Milestone code (see EVENT_CODES: arrival, lodgement, ..., release, exit)", True),
        F("at", "timestamp", "When the milestone happened", True),
        F("office_id", "id", "Office where it happened"),
        F("agency", "text", "Agency responsible (customs, health, ...)"),
    ),
)

TRADE_FLOWS = Table(
    name="trade_flows",
    description="Trade statistics: what a reporter declares it imported from or exported to a partner.",
    key=("reporter", "partner", "flow", "hs_code", "period", "mode"),
    fields=(
        F("reporter", "country", "Reporting country (ISO alpha-2)", True),
        F("partner", "country", "Partner country (ISO alpha-2)", True),
        F("flow", "enum", "M import, X export, RM re-import, RX re-export", True, values=FLOWS),
        F("hs_code", "hs_any", "Commodity code (2 to 10 digits)", True),
        F("period", "period", "Year (YYYY) or month (YYYYMM)", True),
        F("value_usd", "amount", "Trade value in US dollars (imports CIF, exports FOB)"),
        F("net_weight_kg", "amount", "Net weight in kilograms"),
        F("quantity", "amount", "Quantity in the quantity unit"),
        F("quantity_unit", "text", "Unit of the quantity"),
        F("mode", "text", "Mode of transport, when the statistics give it"),
    ),
)

#: Commodity categories of the WCO Customs Enforcement Network (CEN) seizure records.
SEIZURE_CATEGORIES = (
    "drugs",
    "tobacco",
    "alcohol",
    "medicines",
    "ipr",  # counterfeit and pirated goods
    "cites",  # endangered species (wildlife, ivory, timber)
    "weapons",
    "cash",
    "revenue",  # commercial fraud: duties and taxes evaded
    "other",
)
#: Roles a person or company plays in a seizure (CEN persons and companies).
SEIZURE_ROLES = (
    "importer",
    "exporter",
    "consignee",
    "consignor",
    "declarant",
    "carrier",
    "owner",
    "driver",
    "passenger",
    "sender",
    "recipient",
    "other",
)

SEIZURES = Table(
    name="seizures",
    description="Enforcement records: one row per seizure, as the WCO Customs Enforcement Network records it.",
    key=("seizure_id",),
    fields=(
        F("seizure_id", "id", "Seizure reference", True),
        F("seized_on", "date", "Date of the seizure", True),
        F("office_id", "id", "Office that made the seizure"),
        F(
            "place",
            "text",
            "Place of the seizure in words (container terminal, arrivals hall, border post, ...)",
        ),
        F("mode_of_transport", "enum", "Mode of transport of the goods seized", values=MODES),
        F("conveyance", "text", "Conveyance: vessel, flight, vehicle registration, parcel tracking number"),
        F("commodity_category", "enum", "CEN commodity category", values=SEIZURE_CATEGORIES),
        F("hs_code", "hs_any", "Commodity code of the goods seized"),
        F("commodity", "text", "Commodity seized, in words"),
        F("quantity", "amount", "Quantity seized"),
        F("quantity_unit", "text", "Unit of the quantity"),
        F("concealment", "text", "Concealment method"),
        F("detection_method", "text", "How the goods were found (risk profiling, X-ray, sniffer dog, ...)"),
        F("country_of_origin", "country", "Country where the goods came from (ISO alpha-2)"),
        F("country_of_departure", "country", "Country the conveyance left from (ISO alpha-2)"),
        F("country_of_destination", "country", "Country the goods were going to (ISO alpha-2)"),
        F("route", "text", "Route (countries, ISO alpha-2, separated by '>')"),
        F("declaration_id", "id", "Declaration the seizure was made on, if any"),
        F(
            "party_ids",
            "text",
            "Known traders involved (party_id values separated by ';'); every person and "
            "company involved, named or not, is in seizure_parties",
        ),
    ),
)

SEIZURE_PARTIES = Table(
    name="seizure_parties",
    description="Persons and companies involved in a seizure, as the seizure record names them.",
    key=("seizure_id", "party_no"),
    references=((("seizure_id",), "seizures"),),
    fields=(
        F("seizure_id", "id", "Seizure reference", True),
        F("party_no", "int", "Number of the person or company within the seizure", True),
        F("role", "enum", "Role in the seizure", True, values=SEIZURE_ROLES),
        F("kind", "enum", "company or person", values=("company", "person")),
        F("name", "text", "Name as recorded (spelling and legal form as the officer wrote them)"),
        F("address", "text", "Address as recorded"),
        F("country", "country", "Country of the address or nationality (ISO alpha-2)"),
        F("identifier", "id", "Identifier as recorded (trader id, tax number, passport), if known"),
        F(
            "identifier_type",
            "text",
            "What the identifier is: trader_id, tax_id, passport, national_id, other",
        ),
        F("phone", "text", "Telephone number as recorded"),
        F("email", "text", "E-mail address as recorded"),
    ),
)

PARTIES = Table(
    name="parties",
    description="Traders: importers, declarants, sellers, carriers.",
    key=("party_id",),
    fields=(
        F("party_id", "id", "Party identifier (trader identification number)", True),
        F("role", "text", "Main role: importer, declarant, seller, carrier"),
        F("name", "text", "Name"),
        F("address", "text", "Address"),
        F("country", "country", "Country of establishment (ISO alpha-2)"),
        F("aeo_status", "bool", "Holds Authorised Economic Operator status"),
        F("registered_on", "date", "Registration date"),
        F("phone", "text", "Telephone number of the registered contact"),
        F("email", "text", "E-mail address of the registered contact"),
    ),
)

INGEST_BATCHES = Table(
    name="ingest_batches",
    description="Lineage: one row per ingested file.",
    key=("batch_id",),
    loadable=False,
    fields=(
        F("batch_id", "id", "Batch identifier", True),
        F("table_name", "text", "Canonical table loaded", True),
        F("source", "text", "File path as given", True),
        F("sha256", "text", "SHA-256 of the file's bytes", True),
        F("rows_in", "int", "Rows read", True),
        F("accepted", "int", "Rows accepted", True),
        F("quarantined", "int", "Rows sent to quarantine", True),
        F("warnings", "int", "Accepted rows that carry a warning", True),
        F("mapping", "text", "Mapping applied (YAML), empty for canonical columns"),
        F("loaded_by", "text", "Who ran the ingestion"),
        F("started_at", "timestamp", "Start", True),
        F("finished_at", "timestamp", "End", True),
        F(
            "corrects_batch",
            "text",
            "Batches whose quarantined rows this file corrects (comma-separated), read from the "
            "columns `clearsight quarantine export` adds",
        ),
    ),
)

QUARANTINE = Table(
    name="quarantine",
    description="Every rejected row, with where it came from and why.",
    key=("batch_id", "row_no"),
    loadable=False,
    fields=(
        F("batch_id", "id", "Batch the row belonged to", True),
        F("table_name", "text", "Canonical table it was meant for", True),
        F("source", "text", "File path", True),
        F("row_no", "int", "Data row number in the file (1 = first row after the header)", True),
        F("raw", "text", "The row as read, JSON", True),
        F("fields", "text", "Fields at fault, comma-separated", True),
        F("reasons", "text", "Why, one reason per fault, '; '-separated", True),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        DECLARATIONS,
        INSPECTIONS,
        EVENTS,
        TRADE_FLOWS,
        SEIZURES,
        SEIZURE_PARTIES,
        PARTIES,
        INGEST_BATCHES,
        QUARANTINE,
    )
}
DATA_TABLES: tuple[str, ...] = tuple(name for name, t in TABLES.items() if t.loadable)


def get_table(name: str) -> Table:
    """The canonical table called ``name``, or a ValueError listing the known ones."""
    try:
        return TABLES[name]
    except KeyError:
        raise ValueError(f"unknown table {name!r}; known tables: {', '.join(TABLES)}") from None
