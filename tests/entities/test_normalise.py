"""Name, address and contact normalisation: the forms a clerk and an officer write agree."""

from __future__ import annotations

import pytest

from clearsight.entities import address_form, email_form, name_parts, phone_form


@pytest.mark.parametrize(
    "written",
    [
        "Acacia Foods Ltd",
        "ACACIA FOODS LIMITED",
        "Acacia Foods Ltd.",
        "Àcacia Foods  Ltd",
        "acacia-foods ltd",
    ],
)
def test_legal_forms_case_accents_and_punctuation_agree(written):
    assert name_parts(written) == ("acacia foods", "ltd", "acacia foods")


def test_legal_forms_of_other_countries_and_scripts():
    assert name_parts("Société Acacia S.A.R.L.")[:2] == ("societe acacia", "sarl")
    assert name_parts("Rhein Handel G.m.b.H.")[1] == "gmbh"
    assert name_parts("Хуаксин Трейдинг ООО") == ("khuaksin treyding", "llc", "khuaksin treyding")
    assert name_parts("Co-op Traders Co. Ltd")[1] == "co ltd"  # a leading "co" stays in the name


def test_the_blocking_key_drops_common_trade_words_and_numbers():
    assert name_parts("New Faraja Metals Holdings (2024) Ltd")[2] == "faraja metals"
    assert name_parts("General Trading Enterprises")[2] == ""


def test_addresses_phones_and_emails():
    assert address_form("12 Harbour Rd., Mombasa") == address_form("12 HARBOUR ROAD MOMBASA")
    assert phone_form("+254 712 345 678") == phone_form("0712345678") == phone_form("00254-712-345678")
    assert phone_form("12-34") == "" and email_form("no address") == ""
    assert email_form(" Info@Acacia.example ") == "info@acacia.example"
