"""Seizures and their persons and companies in the CEN case fields, through the gate."""

from __future__ import annotations

from clearsight.ingest.load import ingest_file
from clearsight.trade import mapping_path

SEIZURES_CSV = """Seizure ID,Date,Customs Office,Place of Seizure,Transport Mode,Conveyance,Category,HS Code,Commodity,Quantity,Unit,Concealment Method,Detection Method,Country of Origin,Country of Departure,Country of Destination,Declaration Number
CEN-1,05/03/2024,KEMBA01,container terminal,Vessel,MSC Leila voyage 12,Narcotics,293972,cocaine,12.5,kg,hidden among fruit,X-ray scan,Colombia,NL,KE,
CEN-2,31/02/2024,KEMBA01,container terminal,Sea,,Cigarettes,240220,cigarettes,50000,u,false wall,sniffer dog,CN,CN,KE,
CEN-3,07/03/2024,KENBO02,arrivals hall,Air,flight KQ 101,Spaceships,880000,rocket,1,u,passenger baggage,profiling,AE,AE,KE,
CEN-4,08/03/2024,KENBO02,arrivals hall,Aircraft,flight EK 719,Endangered species,050710,ivory,40,kg,passenger baggage,sniffer dog,TZ,AE,CN,
"""
PERSONS_CSV = """Seizure ID,No,Role,Type,Name,Address,Country,ID Number,ID Type,Telephone,E-mail
CEN-1,1,Importer,Legal person,Acacia Foods Ltd,"12 Harbour Rd, Mombasa",KE,IM000012,trader_id,+254 712 345 678,
CEN-1,2,Consignor,Legal person,Frutas del Sur SA,,CO,,,,
CEN-4,1,Passenger,Natural person,John Otieno,,KE,P1234567,passport,,
CEN-9,1,Owner,Legal person,Ghost Ltd,,KE,,,,
CEN-4,2,Smuggler,Natural person,Jane Doe,,KE,,,,
"""


def test_cen_seizures_load_and_bad_rows_are_quarantined_with_field_and_reason(duckdb_warehouse, tmp_path):
    src = tmp_path / "cen.csv"
    src.write_text(SEIZURES_CSV)
    result = ingest_file(duckdb_warehouse, "seizures", src, mapping_path("cen-seizures", "seizures"))
    assert result.rows_in == result.accepted + result.quarantined == 4
    assert result.accepted == 2 and result.quarantined == 2
    rows = duckdb_warehouse.table("seizures").order_by("seizure_id").to_pyarrow().to_pylist()
    first = rows[0]
    assert first["seizure_id"] == "CEN-1" and first["mode_of_transport"] == "sea"
    assert first["commodity_category"] == "drugs" and first["country_of_origin"] == "CO"
    assert rows[1]["commodity_category"] == "cites" and rows[1]["country_of_destination"] == "CN"
    q = duckdb_warehouse.table("quarantine").order_by("row_no").to_pyarrow().to_pylist()
    assert [r["row_no"] for r in q] == [2, 3]
    assert "seized_on" in q[0]["fields"]
    assert "commodity_category" in q[1]["fields"] and "spaceships" in q[1]["reasons"]


def test_cen_persons_need_a_known_seizure_and_a_known_role(duckdb_warehouse, tmp_path):
    seizures, persons = tmp_path / "cen.csv", tmp_path / "persons.csv"
    seizures.write_text(SEIZURES_CSV)
    persons.write_text(PERSONS_CSV)
    ingest_file(duckdb_warehouse, "seizures", seizures, mapping_path("cen-seizures", "seizures"))
    result = ingest_file(
        duckdb_warehouse, "seizure_parties", persons, mapping_path("cen-persons", "seizure_parties")
    )
    assert result.rows_in == result.accepted + result.quarantined == 5
    assert result.accepted == 3
    kept = (
        duckdb_warehouse.table("seizure_parties")
        .order_by(["seizure_id", "party_no"])
        .to_pyarrow()
        .to_pylist()
    )
    assert [(r["role"], r["kind"]) for r in kept] == [
        ("importer", "company"),
        ("consignor", "company"),
        ("passenger", "person"),
    ]
    reasons = {
        r["row_no"]: (r["fields"], r["reasons"])
        for r in duckdb_warehouse.table("quarantine").to_pyarrow().to_pylist()
    }
    assert "seizure_id" in reasons[4][0]  # CEN-9 is no seizure of the warehouse
    assert "role" in reasons[5][0]
