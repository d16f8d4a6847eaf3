"""The canonical goods item and the ingest gate refuse the same items for the same reasons, field by
field, on generated items (hostile ones included); the robust measures agree in SQL and in NumPy."""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import ibis
import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearsight.ingest import gate
from clearsight.ingest.mapping import FieldSpec
from clearsight.schema.items import check_item, real_time_value
from clearsight.schema.measures import robust_z, robust_z_array
from clearsight.schema.tables import DECLARATIONS

FIELDS = [
    "declaration_id", "item_no", "lodged_at", "office_id", "declarant_id", "importer_id", "seller_id",
    "country_of_origin", "hs_code", "customs_value", "net_mass_kg", "duty_rate", "goods_description",
    "invoice_currency", "mode_of_transport", "aeo_status",
]
#: Hostile text: control characters (C0, DEL, C1), Unicode spaces, quotes, non-ASCII letters.
HOSTILE = st.text(
    alphabet=st.sampled_from([*"\x00\x01\t\n\r\x1b\x7f\x85\x9f \u00a0\u3000\u2028'\",;éß中€", *"AbZ-./_"]),
    max_size=70,
)
#: Hostile text for numbers and dates: no ASCII letters or digits (words such as "inf" or "epoch"
#: and Unicode digits are read differently by engines; see the module's docstring).
NOT_A_NUMBER = st.text(alphabet=st.sampled_from([*"\x00\x01\t\x1b\x7f\x85 \u00a0'\",;é中€-./_+"]), min_size=1, max_size=20)


def cell(typed: st.SearchStrategy) -> st.SearchStrategy:
    """A field's cell: a typed value written as a file writes it, a hostile text, or empty."""
    return st.one_of(typed, HOSTILE, st.just(""))


def number(low: float = -1e6) -> st.SearchStrategy:
    floats = st.one_of(st.floats(min_value=low, max_value=1e12), st.sampled_from([math.inf, -math.inf, math.nan, -0.0]))
    return st.one_of(floats.map(repr), st.integers(-1000, 10**9).map(str), NOT_A_NUMBER, st.just(""))


ITEM = st.fixed_dictionaries({
    "declaration_id": cell(st.from_regex(r"[A-Z]{2}[0-9]{1,8}", fullmatch=True)),
    "item_no": st.one_of(st.integers(-5, 10**6).map(str), st.sampled_from(["1.0", "2.5", "1e3"]), NOT_A_NUMBER, st.just("")),
    "lodged_at": st.one_of(
        st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2030, 1, 1)).map(lambda d: d.replace(microsecond=0).isoformat(" ")),
        st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1)).map(lambda d: d.strftime("%d/%m/%Y")),
        NOT_A_NUMBER, st.just(""),
    ),
    "office_id": cell(st.sampled_from(["KESEA01", "NOSUCHOFFICE"])),
    "declarant_id": cell(st.just("DC1")),
    "importer_id": cell(st.sampled_from(["IM1", "I" * 65])),
    "seller_id": cell(st.just("SE1")),
    "country_of_origin": cell(st.sampled_from(["CN", "ZZ", "de", "Germany", "Allemagne", "CHN", "156", "UK", "XK"])),
    "hs_code": cell(st.sampled_from(["847130", "999999", "84713000", "8471.30", "84713", "12ab", "1234567890123", "0101.21-00"])),
    "customs_value": number(),
    "net_mass_kg": number(),
    "duty_rate": number(),
    "goods_description": cell(st.sampled_from(["tea", "line\nbreak\tand tab", "curly \x93quote\x94"])),
    "invoice_currency": cell(st.sampled_from(["EUR", "usd", "XYZ", "EU"])),
    "mode_of_transport": cell(st.sampled_from(["sea", "Inland Water", "1", "truck", "teleport", "own-propulsion"])),
    "aeo_status": cell(st.sampled_from(["yes", "N", "0.0", "maybe", "TRUE"])),
})


def gate_verdicts(rows: list[dict[str, str]]) -> list[tuple[list[tuple[str, str]], list[str]]]:
    """Per row, the gate's (field, reason) refusals and its warnings, run as ingestion runs it."""
    con = duckdb.connect()
    con.register("src", pa.table({f: [r[f] for r in rows] for f in FIELDS}))
    backend = ibis.duckdb.from_connection(con)
    specs = {f: FieldSpec(column=f) for f in FIELDS}
    gate.install_lookups(con, DECLARATIONS, specs)
    parsed = gate.parsed_expression(backend.table("src"), DECLARATIONS, specs, {}, ".")
    staged = gate.staged_expression(parsed, DECLARATIONS, specs)
    out = []
    for row in backend.execute(staged.select("_errors", "_warnings")).to_dict("records"):
        reasons = row["_errors"].split(gate.ERROR_SEPARATOR) if isinstance(row["_errors"], str) else []
        refusals = [(r.split(":")[0].split(" (")[0], r) for r in reasons]
        warnings = row["_warnings"].split(",") if isinstance(row["_warnings"], str) else []
        out.append((refusals, warnings))
    con.close()
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(rows=st.lists(ITEM, min_size=1, max_size=25))
def test_the_gate_and_the_canonical_item_give_the_same_verdict(rows):
    for row, (refusals, warnings) in zip(rows, gate_verdicts(rows), strict=True):
        checked = check_item(row)
        assert checked.refusals == refusals, row
        if not refusals:  # a refused row keeps no warning
            assert sorted(checked.warnings) == sorted(warnings), row


def test_the_scoring_api_refuses_what_the_gate_quarantines_and_codes_outside_hs():
    """The real-time check adds one refusal to the gate's: an HS code outside HS 2022 (the gate keeps
    such a row, flagged, because a history may hold old codes)."""
    hs = DECLARATIONS.field("hs_code")
    assert real_time_value(hs, "999999").errors == ("hs_code: not a code of HS 2022: '999999'",)
    assert real_time_value(hs, "85414300").value == "85414300"
    origin = DECLARATIONS.field("country_of_origin")
    assert real_time_value(origin, "ZZ").errors == ("country_of_origin: unknown country: 'ZZ'",)
    assert check_item({"country_of_origin": "ZZ"}, required=False).refusals == [
        ("country_of_origin", "country_of_origin: unknown country: 'ZZ'")
    ]


@settings(max_examples=50, deadline=None, database=None)
@given(
    st.lists(
        st.tuples(
            st.floats(-50, 50),
            st.floats(-50, 50),
            st.one_of(st.just(0.0), st.floats(0, 10)),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_robust_z_is_the_same_in_sql_and_numpy(triples):
    value, median, mad = (np.array(c) for c in zip(*triples, strict=True))
    t = ibis.memtable({"v": value, "m": median, "d": mad})
    sql = ibis.duckdb.connect().execute(t.select(z=robust_z(t.v, t.m, t.d))).z.to_numpy(dtype=float, na_value=np.nan)
    numpy = robust_z_array(value, median, mad)
    assert np.array_equal(np.isnan(sql), np.isnan(numpy))
    assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) for a, b in zip(sql, numpy, strict=True) if not math.isnan(a))
