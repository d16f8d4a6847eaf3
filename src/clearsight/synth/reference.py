"""Fixed reference data of the synthetic world: partner countries, sectors, currencies, preferences,
office layout, legacy targeting rules and the word lists names and addresses are made of.

Kept as plain constants so a reader can see (and change) what the world is made of in one place.
"""

from __future__ import annotations

#: Economic sectors; every HS chapter belongs to one (see ``sector_of_chapter``).
SECTORS: tuple[str, ...] = (
    "agri_food",
    "processed_food",
    "beverages_tobacco",
    "fuels_minerals",
    "chemicals",
    "pharma_cosmetics",
    "plastics_rubber",
    "wood_paper",
    "textiles_apparel",
    "footwear_leather",
    "construction_metals",
    "machinery",
    "electronics",
    "vehicles",
    "consumer_goods",
)

#: Share of items by the importer's main sector.
SECTOR_WEIGHTS: dict[str, float] = {
    "agri_food": 8,
    "processed_food": 9,
    "beverages_tobacco": 3,
    "fuels_minerals": 3,
    "chemicals": 7,
    "pharma_cosmetics": 7,
    "plastics_rubber": 7,
    "wood_paper": 5,
    "textiles_apparel": 10,
    "footwear_leather": 4,
    "construction_metals": 8,
    "machinery": 10,
    "electronics": 10,
    "vehicles": 6,
    "consumer_goods": 8,
}

#: Typical item value (USD) is multiplied by this, per sector (fuel cargoes are big, toys are small).
SECTOR_VALUE_SCALE: dict[str, float] = {
    "agri_food": 2.0,
    "processed_food": 1.0,
    "beverages_tobacco": 1.2,
    "fuels_minerals": 25.0,
    "chemicals": 1.6,
    "pharma_cosmetics": 0.8,
    "plastics_rubber": 1.0,
    "wood_paper": 1.0,
    "textiles_apparel": 0.7,
    "footwear_leather": 0.7,
    "construction_metals": 1.8,
    "machinery": 1.5,
    "electronics": 1.0,
    "vehicles": 1.5,
    "consumer_goods": 0.6,
}


def sector_of_chapter(chapter: int) -> str:
    """The sector an HS chapter (1-97) belongs to."""
    if chapter <= 15:
        return "agri_food"
    if chapter <= 21:
        return "processed_food"
    if chapter in (22, 24):
        return "beverages_tobacco"
    if chapter <= 27:
        return "fuels_minerals"
    if chapter in (30, 33):
        return "pharma_cosmetics"
    if chapter <= 38:
        return "chemicals"
    if chapter <= 40:
        return "plastics_rubber"
    if chapter <= 43:
        return "footwear_leather"
    if chapter <= 49:
        return "wood_paper"
    if chapter <= 63:
        return "textiles_apparel"
    if chapter <= 67:
        return "footwear_leather"
    if chapter <= 83:
        return "construction_metals"
    if chapter == 84:
        return "machinery"
    if chapter == 85:
        return "electronics"
    if chapter <= 89:
        return "vehicles"
    if chapter <= 92:
        return "machinery"
    return "consumer_goods"


#: Partner countries (ISO alpha-2) and their base share of the administration's imports.
PARTNERS: dict[str, float] = {
    "CN": 22, "IN": 10, "AE": 8, "SA": 4, "US": 4, "JP": 4, "DE": 3, "GB": 2.5, "FR": 1.5, "IT": 1.5,
    "NL": 1.5, "BE": 1.0, "ES": 0.8, "TR": 2.5, "ZA": 3, "KR": 1.5, "TW": 0.8, "VN": 1.5, "TH": 1.2,
    "MY": 1.5, "ID": 2, "PK": 1.5, "BD": 0.5, "EG": 1.5, "BR": 1, "AR": 0.4, "CO": 0.3, "ET": 0.5,
    "UG": 2, "TZ": 2, "RW": 0.4, "NG": 0.4, "MA": 0.4, "SG": 1.5, "CH": 0.7, "SE": 0.5, "PL": 0.5,
    "CZ": 0.3, "RU": 1.2, "MX": 0.3, "AU": 0.5, "CA": 0.4, "KE": 1.5,
}  # fmt: skip

#: Sector x partner affinity (multiplies the base share); partners not named keep 1.
SECTOR_AFFINITY: dict[str, dict[str, float]] = {
    "agri_food": {"US": 2, "BR": 4, "AR": 4, "AU": 3, "UG": 4, "TZ": 4, "ET": 3, "EG": 2, "PK": 3, "IN": 1.5,
                  "TH": 2, "VN": 2, "ZA": 2, "NL": 1.5, "CO": 3, "ID": 2, "MY": 3, "RU": 3, "CN": 0.2,
                  "KE": 3, "CA": 2},
    "processed_food": {"ZA": 2.5, "EG": 2, "AE": 1.5, "UG": 2, "TZ": 2, "IN": 1.5, "NL": 2.5, "FR": 1.5,
                       "GB": 1.5, "TR": 1.5, "MY": 2, "CN": 0.4, "KE": 3},
    "beverages_tobacco": {"GB": 5, "FR": 5, "ZA": 4, "IT": 2, "NL": 3, "ES": 2, "AE": 3, "UG": 1.5,
                          "CN": 0.2, "MX": 3, "KE": 2},
    "fuels_minerals": {"AE": 6, "SA": 7, "IN": 2, "SG": 3, "RU": 3, "NG": 4, "ZA": 1.5, "CN": 0.5,
                       "JP": 0.2, "DE": 0.3, "US": 0.5},
    "chemicals": {"CN": 1.3, "IN": 2, "DE": 2.5, "US": 1.5, "BE": 3, "NL": 2, "SA": 2.5, "RU": 2, "MA": 5,
                  "JP": 1, "KR": 1},
    "pharma_cosmetics": {"IN": 4, "DE": 2, "CH": 5, "FR": 2.5, "GB": 2, "US": 1.5, "BE": 2, "EG": 2,
                         "ZA": 1.5, "CN": 0.8, "AE": 1.2},
    "plastics_rubber": {"CN": 1.6, "SA": 3, "AE": 1.5, "IN": 1.5, "TH": 2.5, "MY": 2, "KR": 2, "TR": 1.2},
    "wood_paper": {"ID": 2.5, "SE": 6, "BR": 2, "MY": 2, "CN": 1.2, "IN": 1, "ZA": 2, "TZ": 2},
    "textiles_apparel": {"CN": 2.5, "BD": 12, "IN": 2, "PK": 4, "TR": 3, "VN": 3, "TH": 1, "EG": 1.2,
                         "GB": 0.6, "US": 0.6},
    "footwear_leather": {"CN": 3, "VN": 5, "ID": 3, "IN": 1.5, "IT": 2, "TR": 1.5, "BR": 1.5},
    "construction_metals": {"CN": 2.5, "IN": 2, "TR": 2.5, "ZA": 2.5, "JP": 1, "KR": 1, "EG": 2,
                            "AE": 1, "RU": 1.5, "UG": 1.2, "TZ": 1.2},
    "machinery": {"CN": 2, "DE": 3, "IT": 3, "JP": 2, "US": 2, "IN": 1, "GB": 1.5, "TR": 1, "KR": 1.2,
                  "SE": 1.5, "CH": 1.5},
    "electronics": {"CN": 3, "KR": 3, "VN": 4, "TW": 5, "MY": 2.5, "JP": 1.5, "US": 1, "TH": 1.5,
                    "SG": 2, "AE": 1.2},
    "vehicles": {"JP": 6, "CN": 1.5, "DE": 3, "IN": 2.5, "KR": 2, "GB": 2, "US": 1, "TH": 2, "ZA": 1.5,
                 "AE": 1.5, "MX": 1},
    "consumer_goods": {"CN": 3.5, "IN": 1, "TR": 1.2, "VN": 1.2, "IT": 1, "MY": 1},
}  # fmt: skip

#: Re-export hubs: sellers there often ship goods made elsewhere (origin differs from export country).
HUBS: frozenset[str] = frozenset({"AE", "SG", "NL", "BE", "ZA"})

#: Relative price level of goods by origin (unit values are multiplied by it).
PRICE_INDEX: dict[str, float] = {
    "CN": 0.78, "IN": 0.8, "VN": 0.8, "BD": 0.7, "PK": 0.72, "ID": 0.85, "TH": 0.9, "MY": 0.92, "EG": 0.85,
    "TR": 0.9, "DE": 1.45, "JP": 1.4, "CH": 1.6, "US": 1.3, "GB": 1.35, "FR": 1.4, "IT": 1.4, "SE": 1.4,
    "KR": 1.15, "TW": 1.1, "NL": 1.3, "BE": 1.3, "AU": 1.25, "CA": 1.2,
}  # fmt: skip

#: Invoice currency by origin: (currency, share of invoices in it); the rest are in USD.
INVOICE_CURRENCY: dict[str, tuple[str, float]] = {
    "DE": ("EUR", 0.85), "FR": ("EUR", 0.85), "IT": ("EUR", 0.85), "NL": ("EUR", 0.8), "BE": ("EUR", 0.8),
    "ES": ("EUR", 0.85), "GB": ("GBP", 0.7), "JP": ("JPY", 0.4), "CN": ("CNY", 0.2), "IN": ("INR", 0.3),
    "AE": ("AED", 0.25), "ZA": ("ZAR", 0.5), "CH": ("CHF", 0.6), "SE": ("SEK", 0.5), "PL": ("PLN", 0.4),
    "CZ": ("CZK", 0.3), "UG": ("UGX", 0.2), "TZ": ("TZS", 0.2), "KR": ("KRW", 0.15), "TR": ("EUR", 0.3),
}  # fmt: skip

#: Units of currency per US dollar (a fixed rate: the world is about fraud, not exchange risk).
FX_PER_USD: dict[str, float] = {
    "USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 145.0, "CNY": 7.2, "INR": 83.0, "AED": 3.67,
    "ZAR": 18.5, "CHF": 0.88, "SEK": 10.6, "PLN": 4.0, "CZK": 23.0, "UGX": 3750.0, "TZS": 2500.0,
    "KRW": 1330.0, "KES": 145.0, "NGN": 900.0, "GHS": 12.0, "MAD": 10.0, "EGP": 31.0, "ETB": 56.0,
    "RWF": 1250.0, "BRL": 5.0, "MXN": 17.5, "AUD": 1.5, "CAD": 1.36, "SGD": 1.35, "MYR": 4.6,
    "THB": 35.0, "IDR": 15500.0, "VND": 24500.0, "PKR": 280.0, "BDT": 110.0, "TRY": 30.0, "SAR": 3.75,
}  # fmt: skip

#: National currency of a reporter; other reporters keep their values in USD.
NATIONAL_CURRENCY: dict[str, str] = {
    "KE": "KES", "UG": "UGX", "TZ": "TZS", "RW": "RWF", "NG": "NGN", "GH": "GHS", "ZA": "ZAR", "MA": "MAD",
    "EG": "EGP", "ET": "ETB", "IN": "INR", "BR": "BRL", "MX": "MXN", "AU": "AUD", "CA": "CAD",
    "SG": "SGD", "MY": "MYR", "TH": "THB", "ID": "IDR", "VN": "VND", "PK": "PKR", "BD": "BDT",
    "TR": "TRY", "SA": "SAR", "AE": "AED", "GB": "GBP", "CH": "CHF", "SE": "SEK", "PL": "PLN",
    "CZ": "CZK", "JP": "JPY", "CN": "CNY", "KR": "KRW", "US": "USD", "DE": "EUR", "FR": "EUR",
    "IT": "EUR", "NL": "EUR", "BE": "EUR", "ES": "EUR",
}  # fmt: skip

#: Tariff preferences the administration grants: code -> (origins, share of the MFN duty still due).
PREFERENCES: dict[str, tuple[tuple[str, ...], float]] = {
    "RTA": (("UG", "TZ", "RW", "EG", "ET", "KE"), 0.0),  # regional trade agreement: duty free
    "EPA": (("DE", "FR", "IT", "NL", "BE", "ES", "PL", "CZ", "SE", "GB"), 0.5),  # partnership: half duty
}

#: Chapters exempt from VAT (basic cereals, medicines, fertilisers).
VAT_EXEMPT_CHAPTERS: frozenset[int] = frozenset({10, 30, 31})

#: Legacy selectivity rules: watched chapters and origins (what targeting staff set years ago).
WATCH_CHAPTERS: tuple[int, ...] = (22, 24, 30, 61, 62, 64, 87)
WATCH_ORIGINS: tuple[str, ...] = ("PK", "NG", "AE")

#: Office types: (count, share of declarations, open 24 hours, has a scanner, mode mix).
OFFICE_TYPES: dict[str, tuple[int, float, bool, bool, dict[str, float]]] = {
    "SEA": (2, 0.28, True, True, {"sea": 1.0}),
    "AIR": (3, 0.14, True, True, {"air": 1.0}),
    "COU": (1, 0.08, True, True, {"courier": 1.0}),
    "PST": (1, 0.02, False, False, {"post": 1.0}),
    "LND": (10, 0.20, False, True, {"road": 0.94, "own_propulsion": 0.03, "fixed": 0.03}),
    "INL": (8, 0.22, False, False, {"sea": 0.55, "rail": 0.25, "road": 0.2}),
    "RAL": (1, 0.04, False, True, {"rail": 1.0}),
    "WAT": (1, 0.02, False, False, {"inland_water": 1.0}),
}

#: Office type x sector affinity (how likely an importer of the sector uses that kind of office).
OFFICE_SECTOR_AFFINITY: dict[str, dict[str, float]] = {
    "COU": {"electronics": 4, "pharma_cosmetics": 3, "consumer_goods": 3, "textiles_apparel": 2,
            "footwear_leather": 2, "fuels_minerals": 0.0, "vehicles": 0.1, "construction_metals": 0.1,
            "agri_food": 0.1, "wood_paper": 0.2, "chemicals": 0.2},
    "PST": {"consumer_goods": 3, "textiles_apparel": 2, "electronics": 2, "fuels_minerals": 0.0,
            "vehicles": 0.0, "construction_metals": 0.1, "chemicals": 0.1},
    "AIR": {"pharma_cosmetics": 4, "electronics": 3, "agri_food": 1.5, "machinery": 1.2,
            "fuels_minerals": 0.0, "construction_metals": 0.2, "vehicles": 0.2, "wood_paper": 0.2},
    "LND": {"agri_food": 3, "processed_food": 2.5, "fuels_minerals": 2, "construction_metals": 1.5,
            "beverages_tobacco": 1.5, "electronics": 0.5},
    "SEA": {"vehicles": 2, "fuels_minerals": 2, "construction_metals": 1.5, "machinery": 1.3},
    "INL": {"vehicles": 1.5, "machinery": 1.3, "textiles_apparel": 1.2},
}  # fmt: skip

#: Transit days from the exporter's shipment to arrival, by mode (exports are dated that much earlier).
TRANSIT_DAYS: dict[str, float] = {
    "sea": 24, "air": 2, "road": 3, "rail": 8, "courier": 3, "post": 12, "inland_water": 4,
    "own_propulsion": 3, "fixed": 1, "other": 5,
}  # fmt: skip

#: Freight and insurance as a share of the FOB value, by mode (CIF = FOB x (1 + share)).
FREIGHT_SHARE: dict[str, float] = {
    "sea": 0.085, "air": 0.095, "road": 0.055, "rail": 0.065, "courier": 0.1, "post": 0.1,
    "inland_water": 0.06, "own_propulsion": 0.05, "fixed": 0.05, "other": 0.07,
}  # fmt: skip

#: Cities used in addresses, by country; other countries get generic district names.
CITIES: dict[str, tuple[str, ...]] = {
    "KE": ("Nairobi", "Mombasa", "Kisumu", "Nakuru", "Eldoret", "Thika", "Machakos", "Athi River"),
    "CN": ("Shenzhen", "Guangzhou", "Yiwu", "Ningbo", "Shanghai", "Xiamen", "Foshan", "Tianjin"),
    "IN": ("Mumbai", "Chennai", "Ahmedabad", "Delhi", "Kolkata", "Pune", "Surat"),
    "AE": ("Dubai", "Sharjah", "Jebel Ali", "Abu Dhabi"),
    "SA": ("Jeddah", "Dammam", "Riyadh", "Jubail"),
    "US": ("Houston", "Newark", "Los Angeles", "Miami", "Chicago"),
    "JP": ("Yokohama", "Nagoya", "Osaka", "Kobe", "Tokyo"),
    "DE": ("Hamburg", "Bremen", "Frankfurt", "Stuttgart", "Cologne"),
    "GB": ("London", "Felixstowe", "Manchester", "Birmingham", "Glasgow"),
    "FR": ("Le Havre", "Marseille", "Lyon", "Paris"),
    "IT": ("Genoa", "Milan", "Naples", "Turin"),
    "NL": ("Rotterdam", "Amsterdam", "Venlo"),
    "BE": ("Antwerp", "Brussels", "Ghent"),
    "ES": ("Valencia", "Barcelona", "Madrid", "Algeciras"),
    "TR": ("Istanbul", "Izmir", "Mersin", "Bursa"),
    "ZA": ("Durban", "Johannesburg", "Cape Town", "Port Elizabeth"),
    "KR": ("Busan", "Incheon", "Seoul"),
    "TW": ("Kaohsiung", "Taipei", "Taichung"),
    "VN": ("Ho Chi Minh City", "Haiphong", "Hanoi"),
    "TH": ("Bangkok", "Laem Chabang"),
    "MY": ("Port Klang", "Penang", "Johor Bahru"),
    "ID": ("Jakarta", "Surabaya", "Semarang"),
    "PK": ("Karachi", "Lahore", "Faisalabad", "Sialkot"),
    "BD": ("Dhaka", "Chittagong"),
    "EG": ("Alexandria", "Port Said", "Cairo"),
    "BR": ("Santos", "Sao Paulo", "Paranagua"),
    "AR": ("Buenos Aires", "Rosario"),
    "CO": ("Cartagena", "Bogota"),
    "ET": ("Addis Ababa", "Dire Dawa"),
    "UG": ("Kampala", "Jinja", "Mbale"),
    "TZ": ("Dar es Salaam", "Arusha", "Mwanza"),
    "RW": ("Kigali",),
    "NG": ("Lagos", "Port Harcourt", "Kano"),
    "MA": ("Casablanca", "Tangier"),
    "SG": ("Singapore",),
    "CH": ("Basel", "Zurich", "Geneva"),
    "SE": ("Gothenburg", "Stockholm"),
    "PL": ("Gdansk", "Warsaw", "Poznan"),
    "CZ": ("Prague", "Brno"),
    "RU": ("Novorossiysk", "Saint Petersburg", "Moscow"),
    "MX": ("Manzanillo", "Veracruz"),
    "AU": ("Melbourne", "Sydney", "Fremantle"),
    "CA": ("Vancouver", "Montreal", "Toronto"),
}
GENERIC_CITIES: tuple[str, ...] = (
    "Capital District",
    "Port City",
    "Northern Province",
    "Lake Town",
    "Border Town",
)

STREETS: tuple[str, ...] = (
    "Industrial Area Road", "Enterprise Road", "Harbour Road", "Station Road", "Market Street",
    "Airport Road", "Kenyatta Avenue", "Moi Avenue", "Factory Street", "Commerce Lane", "Lunga Lunga Road",
    "Mombasa Road", "Uhuru Highway", "Freight Terminal Road", "Warehouse Close", "Bridge Street",
    "Free Zone Avenue", "Trade Centre Road", "Park Lane", "Riverside Drive",
)  # fmt: skip

NAME_WORDS: tuple[str, ...] = (
    "Acacia", "Baobab", "Savanna", "Summit", "Crescent", "Horizon", "Pioneer", "Unity", "Victoria", "Coastal",
    "Highland", "Lakeside", "Golden", "Silverline", "Evergreen", "Sunrise", "Equator", "Meridian", "Kilima",
    "Tana", "Amani", "Baraka", "Neema", "Jambo", "Upendo", "Rafiki", "Nyota", "Zawadi", "Imani", "Bahari",
    "Simba", "Twiga", "Tembo", "Mwangaza", "Continental", "Global", "Premier", "Royal", "Apex", "Prime",
    "Alpha", "Delta", "Orion", "Atlas", "Nova", "Zenith", "Sterling", "Falcon", "Eagle", "Rhino", "Cedar",
    "Jade", "Ruby", "Onyx", "Cobalt", "Titan", "Vertex", "Kestrel", "Harbor", "Mara", "Rift", "Tsavo",
    "Elgon", "Nile", "Sahara", "Kalahari", "Pwani", "Uhuru", "Faraja", "Hodari", "Jua Kali", "Mwamba",
)  # fmt: skip

SECTOR_NAME_WORDS: dict[str, tuple[str, ...]] = {
    "agri_food": ("Agro", "Farm Supplies", "Produce", "Grain Millers", "Agencies"),
    "processed_food": ("Foods", "Distributors", "Supermarkets", "Provisions", "Wholesalers"),
    "beverages_tobacco": ("Wines & Spirits", "Beverages", "Distillers", "Drinks Distributors"),
    "fuels_minerals": ("Petroleum", "Energy", "Oil", "Gas", "Cement"),
    "chemicals": ("Chemicals", "Industries", "Agrochem", "Paints", "Industrial Supplies"),
    "pharma_cosmetics": ("Pharma", "Pharmaceuticals", "Healthcare", "Cosmetics", "Medical Supplies"),
    "plastics_rubber": ("Plastics", "Polymers", "Packaging", "Tyres", "Industries"),
    "wood_paper": ("Timber", "Paper", "Stationers", "Printers", "Packaging"),
    "textiles_apparel": ("Textiles", "Fashions", "Garments", "Apparel", "Boutique"),
    "footwear_leather": ("Shoes", "Footwear", "Leather", "Bags & Luggage"),
    "construction_metals": ("Hardware", "Steel", "Builders", "Construction", "Metals"),
    "machinery": ("Machinery", "Engineering", "Equipment", "Agencies", "Industrial"),
    "electronics": ("Electronics", "Communications", "Technologies", "Solar", "Electricals"),
    "vehicles": ("Motors", "Auto Spares", "Autoworld", "Car Dealers", "Motorcycles"),
    "consumer_goods": ("General Merchants", "Enterprises", "Traders", "Stores", "Supplies"),
}

LOCAL_SUFFIXES: tuple[str, ...] = (
    "Ltd",
    "Limited",
    "Co. Ltd",
    "Enterprises",
    "Holdings Ltd",
    "Group",
    "(EA) Ltd",
)

#: Company suffix by seller country.
FOREIGN_SUFFIX: dict[str, str] = {
    "DE": "GmbH", "CH": "AG", "FR": "SARL", "IT": "S.p.A.", "ES": "S.L.", "NL": "B.V.", "BE": "NV",
    "CN": "Co., Ltd.", "JP": "K.K.", "IN": "Pvt Ltd", "PK": "(Pvt) Ltd", "AE": "LLC", "SA": "Co.",
    "US": "Inc.", "GB": "Ltd", "TR": "A.S.", "MY": "Sdn Bhd", "ID": "PT", "TH": "Co., Ltd.",
    "VN": "JSC", "KR": "Co., Ltd.", "TW": "Corp.", "ZA": "(Pty) Ltd", "BR": "Ltda", "SE": "AB",
    "PL": "Sp. z o.o.", "CZ": "s.r.o.", "RU": "LLC", "SG": "Pte Ltd", "AU": "Pty Ltd",
}  # fmt: skip

FOREIGN_WORDS: tuple[str, ...] = (
    "Huaxin", "Jinlong", "Hengtai", "Sino", "Everbright", "Greatwall", "Orient", "Pacific", "Atlantic",
    "Euro", "Nordic", "Alpine", "Gulf", "Desert Rose", "Emirates", "Sahel", "Indus", "Ganges", "Bengal",
    "Mekong", "Saigon", "Lotus", "Sakura", "Fuji", "Hanse", "Rhein", "Danube", "Bosphorus", "Anatolia",
    "Cape", "Zambezi", "Andes", "Pampas", "Amazon", "Maple", "Liberty", "Pioneer", "Royal", "Star",
    "Crown", "United", "International", "Global", "Trans", "Mega", "Apex", "Lucky", "Golden",
)  # fmt: skip

FOREIGN_TRADES: tuple[str, ...] = (
    "Trading", "Import & Export", "Industrial", "Manufacturing", "International Trade", "Exports",
    "Commerce", "Supply Chain", "Industries", "Group",
)  # fmt: skip

#: Carriers by mode: (name, country); the first ones carry most.
CARRIERS: dict[str, tuple[tuple[str, str], ...]] = {
    "sea": (("Oceanic Container Line", "DK"), ("Mediterranean Blue Shipping", "CH"), ("Cape Anchor Lines", "FR"),
            ("Pacific Star Shipping", "CN"), ("Lion City Shipping", "SG"), ("Hanse Ocean Carriers", "DE"),
            ("Evergreen Tide Marine", "TW"), ("Gulf Feeder Services", "AE")),
    "air": (("SkyBridge Cargo", "AE"), ("Equator Airlines Cargo", "KE"), ("Horizon Air Freight", "QA"),
            ("EuroWings Cargo", "NL"), ("Silk Route Air", "TR"), ("Dragon Air Cargo", "CN")),
    "courier": (("SwiftParcel Express", "US"), ("GlobeDash Courier", "DE"), ("FastLane Express", "US"),
                ("Jambo Couriers", "KE")),
    "post": (("National Postal Corporation", "KE"),),
    "road": (("Transafrica Haulage", "KE"), ("Great Lakes Transporters", "UG"), ("Kilimanjaro Trucking", "TZ"),
             ("Northern Corridor Logistics", "KE"), ("Savanna Freight Movers", "KE"), ("Rift Valley Hauliers", "KE")),
    "rail": (("Standard Gauge Freight", "KE"), ("Corridor Rail Services", "KE")),
    "inland_water": (("Lake Victoria Marine", "UG"), ("Lakeside Barges", "TZ")),
    "own_propulsion": (("Self-propelled (driven in)", "KE"),),
    "fixed": (("Pipeline Operator", "KE"),),
}  # fmt: skip

#: Procedure codes: (code, declaration type, share, duties suspended).
PROCEDURES: tuple[tuple[str, str, float, bool], ...] = (
    ("4000", "IM4", 0.915, False),  # release for free circulation / home use
    ("4071", "IM4", 0.03, False),  # home use out of a customs warehouse
    ("7100", "IM7", 0.04, True),  # entry into a customs warehouse: duties suspended
    ("5100", "IM5", 0.015, True),  # temporary admission / inward processing: duties suspended
)

#: Holidays (month, day) observed every year; Easter is added by date.
FIXED_HOLIDAYS: tuple[tuple[int, int], ...] = (
    (1, 1),
    (5, 1),
    (6, 1),
    (10, 10),
    (10, 20),
    (12, 12),
    (12, 25),
    (12, 26),
)
