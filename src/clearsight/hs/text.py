"""Text normalisation shared by the nomenclature retriever and the trained classifier.

Declarations are written in a hurry: capitals, abbreviations, packing notes, model numbers, British
and American spellings, plurals. Both the nomenclature and every description go through the same
steps, so that "GALV. STEEL SHEETS 2 CTNS" and "Flat-rolled products of iron ... galvanised" meet on
the same words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Longest description accepted (characters); real goods descriptions are far shorter.
MAX_DESCRIPTION_CHARS = 1000

#: Trade abbreviations and shorthand -> full words (applied to whole tokens, after lower-casing).
ABBREVIATIONS: dict[str, str] = {
    "asstd": "assorted", "assd": "assorted", "pcs": "", "pc": "", "ctns": "", "ctn": "", "pkgs": "",
    "pkg": "", "s/steel": "stainless steel", "ss": "stainless steel", "alu": "aluminium",
    "alum": "aluminium", "elec": "electric", "elect": "electric", "frzn": "frozen", "frz": "frozen",
    "m/v": "motor vehicle", "mv": "motor vehicle", "m/c": "motorcycle", "2nd": "second",
    "w/": "with", "&": "and", "pts": "parts", "accs": "accessories", "acc": "accessories",
    "mach": "machine", "plstc": "plastic", "plst": "plastic", "pvc": "pvc", "rfd": "refined",
    "btls": "bottles", "btl": "bottle", "lthr": "leather", "galv": "galvanised", "tabs": "tablets",
    "caps": "capsules", "fert": "fertiliser", "pwdr": "powder", "pwd": "powder", "ldz": "ladies",
    "ldy": "ladies", "gents": "men", "mens": "men", "womens": "women", "4": "for", "cttn": "cotton",
    "poly": "polyester", "veh": "vehicle", "eqpt": "equipment", "equip": "equipment",
    "qty": "", "nos": "", "no": "", "approx": "", "bgs": "bags", "kgs": "", "tv": "television",
    "tvs": "television", "a/c": "air conditioner", "hh": "household",
    "ind": "industrial", "indl": "industrial", "pharma": "pharmaceutical", "med": "medical",
    "auto": "automatic", "compr": "compressor", "cpu": "computer", "pv": "photovoltaic",
    "led": "led", "lcd": "lcd", "hdpe": "polyethylene", "ldpe": "polyethylene", "pe": "polyethylene",
    "pp": "polypropylene", "ps": "polystyrene", "pet": "pet", "gi": "galvanised iron",
    "ms": "mild steel", "ckd": "unassembled", "skd": "unassembled", "cbu": "complete",
    "hp": "horsepower", "veg": "vegetable", "vegs": "vegetables",
}  # fmt: skip

#: Spelling variants -> the spelling the nomenclature uses (British, one word).
SPELLINGS: dict[str, str] = {
    "aluminum": "aluminium", "color": "colour", "colors": "colours", "fertilizer": "fertiliser",
    "fertilizers": "fertilisers", "jewelry": "jewellery", "galvanized": "galvanised", "tire": "tyre",
    "tires": "tyres", "sulfur": "sulphur", "sulfate": "sulphate", "sulfates": "sulphates",
    "sulfide": "sulphide", "sulfuric": "sulphuric", "vulcanized": "vulcanised", "fiber": "fibre",
    "fibers": "fibres", "liter": "litre", "liters": "litres", "meter": "metre", "meters": "metres",
    "center": "centre", "gasoline": "petrol", "pajamas": "pyjamas", "diaper": "napkin",
    "diapers": "napkins", "flavor": "flavour", "flavored": "flavoured", "molded": "moulded",
    "mold": "mould", "molds": "moulds", "analyzer": "analyser", "analyzers": "analysers",
    "catalog": "catalogue", "cozy": "cosy", "gray": "grey", "mould": "mould", "plow": "plough",
    "plows": "ploughs", "sweater": "jersey", "sweaters": "jerseys", "pullover": "pullovers",
    "tshirt": "t-shirt", "tshirts": "t-shirts", "tee": "t-shirt", "tees": "t-shirts", "e-bike": "ebike",
    "favor": "favour", "harbor": "harbour", "licorice": "liquorice", "yoghurt": "yogurt",
    "whiskey": "whisky", "cellphone": "mobile phone", "cellphones": "mobile phones",
    "smart-phone": "smartphone", "smart-phones": "smartphones", "hand-bags": "handbags",
    "polyethene": "polyethylene", "polythene": "polyethylene", "lorry": "truck", "lorries": "trucks",
}  # fmt: skip


def _words(text: str) -> list[str]:
    return text.split()


#: Everyday words -> the nomenclature's technical words, added after them.
EXPANSIONS: dict[str, str] = {
    "ev": "electric motor",
    "hybrid": "electric motor", "laptop": "portable data processing", "computer": "data processing",
    "phone": "telephone", "smartphone": "telephone cellular", "tv": "television", "fridge": "refrigerator",
    "jeans": "denim trousers", "sneaker": "sports footwear", "trainer": "sports footwear",
    "pickup": "goods transport", "pick-up": "goods transport", "truck": "goods transport",
    "rebar": "bars concrete reinforcing", "plywood": "veneered panels", "sofa": "seats upholstered",
}  # fmt: skip


#: Words that say nothing about what the goods are (packing, commerce, quantities).
STOPWORDS: frozenset[str] = frozenset(
    _words(
        """a an the of or and in on for to by with without from at as its their this that other others
    than be being is are was not nor into whether which such all any each per etc n e c nes nec
    thereof therefor therein kind kinds type types brand brands model models new item items goods
    product products assorted various mixed sample samples pack packs packed packing packaging
    pallet pallets bundle bundles crate crates
    piece pieces pcs pair pairs unit units lot lots
    shipment consignment quantity quality grade size sizes colour colours style design
    heading headings subheading subheadings chapter note notes including include included
    excluding principally mainly solely wholly chiefly whose purposes purpose use used_for
    20gp 40hc 40gp 20ft 40ft fcl lcl hc gp x pkgs ctns"""
    )
)

#: Marker token for "for", "with", "of", "in": what follows is the use, a part, the material or the
#: packing, not the goods themselves ("brake discs for cars", "car with petrol engine").
FOR = "for"
#: Marker token for a comma, semicolon or bracket: the goods are usually named before the first one.
SEP = ","
MODIFIER_WORDS = frozenset({"for", "with", "of", "in", "containing", "into", "w/"})
#: Materials: in "cotton towels" or "MDF wardrobes" the article, not the material, decides the heading.
MATERIALS: frozenset[str] = frozenset(
    _words(
        """cotton wool silk linen leather plastic mdf steel iron stainless aluminium copper brass gold silver
    wood wooden glass rubber polyester nylon polyethylene polypropylene pvc paper ceramic porcelain
    bamboo jute acrylic synthetic metal zinc lead tin"""
    )
)
_T_SHIRT = re.compile(r"\b(?:t|tee)[\s-]?shirt")
_LATIN_LETTER = re.compile(r"[a-z]")
_TOKEN = re.compile(r"[a-z0-9]+(?:[-/][a-z0-9]+)*|&|,")
_BREAKS = re.compile(r"[,;(]")
_NUMERIC_NOISE = re.compile(
    r"^(?:\d+(?:[.,]\d+)?(?:x\d+)*[a-z]{0,4}|[a-z]?\d+[a-z]?-\d+|\d+x\d+[a-z]*|[a-z]{1,3}-?\d{2,}[a-z0-9-]*)$"
)


def fold(text: str) -> str:
    """Lower case, accents removed, typographic punctuation made plain."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.lower().replace("’", "'").replace("–", "-").replace("—", "-")
    return _T_SHIRT.sub("t-shirt", text)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light English stemmer: plurals and a few suffixes, enough to meet the nomenclature's wording."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, repl in (("ies", "y"), ("ves", "f"), ("oes", "o"), ("sses", "ss"), ("ches", "ch"),
                         ("shes", "sh"), ("xes", "x")):  # fmt: skip
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + repl
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "ous")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Normalised word tokens: folded, abbreviations expanded, spellings unified, noise dropped, stemmed.

    "for" is kept as a marker ("brake discs for cars" names brake discs, not cars); the vectorizers
    ignore it and the retriever reads it."""
    out: list[str] = []
    for raw in _TOKEN.findall(_BREAKS.sub(" , ", fold(text))):
        raw = SPELLINGS.get(raw, raw)
        expanded = ABBREVIATIONS.get(raw)
        if expanded is not None:
            parts = expanded.split()
        elif "/" in raw and raw not in ABBREVIATIONS:
            parts = raw.split("/")
        else:
            parts = [raw]
        for part in parts:
            part = SPELLINGS.get(part, part)
            if "-" in part and part not in ("t-shirt", "t-shirts"):
                pieces = [p for p in part.split("-") if p]
                if all(len(p) > 1 for p in pieces) and not any(c.isdigit() for c in part):
                    out.extend(stem(p) for p in pieces if p not in STOPWORDS)
                    continue
            if part in MODIFIER_WORDS or part == SEP:
                marker = SEP if part == SEP else FOR
                if out and out[-1] not in (FOR, SEP):
                    out.append(marker)
                elif out and out[-1] == SEP and marker == FOR:
                    out[-1] = FOR
                continue
            if part in STOPWORDS or _NUMERIC_NOISE.match(part) or len(part) < 2:
                continue
            out.append(stem(part.replace("t-shirts", "t-shirt")))
            extra = EXPANSIONS.get(part) or EXPANSIONS.get(out[-1])
            if extra:
                out.extend(stem(w) for w in extra.replace("-", " ").split())
    while out and out[-1] in (FOR, SEP):
        out.pop()
    return out


def without_marker(normalised: str) -> str:
    """A normalised text without the "for" markers (what the n-gram vectorizers read)."""
    return " ".join(w for w in normalised.split() if w not in (FOR, SEP))


_NEGATED = re.compile(r"\b(?:other than|excluding|except|not including|not)\b[^;,()]*")


def positive_text(description: str) -> str:
    """A nomenclature text without its exclusions ("of textile materials (other than cotton)" does not
    describe cotton goods), so that a word named only to be excluded does not attract matches."""
    return _NEGATED.sub(" ", description)


def emphasise_head(normalised: str) -> str:
    """The words before the first marker (where the goods are usually named) written twice."""
    words = normalised.split()
    cut = next((i for i, w in enumerate(words) if w in (FOR, SEP)), len(words))
    if 0 < cut < len(words):
        return " ".join(words[:cut] + words)
    return normalised


def normalise(text: str) -> str:
    """The normalised form of a description: its tokens joined by single spaces."""
    return " ".join(tokens(text))


def problem_with(text: str) -> str | None:
    """Why a description cannot be classified (empty, too long, no Latin letters, only a number), or None."""
    stripped = text.strip()
    if not stripped:
        return "the description is empty"
    if len(stripped) > MAX_DESCRIPTION_CHARS:
        return f"the description is {len(stripped):,} characters long; at most {MAX_DESCRIPTION_CHARS:,} are read"
    folded = fold(stripped)
    if not _LATIN_LETTER.search(folded):
        digits = re.sub(r"[\s.]", "", folded)
        if digits.isdigit():
            return f"{stripped!r} is a number, not a goods description" + (
                " (to look a code up, use 'clearsight hs show')" if 4 <= len(digits) <= 10 else ""
            )
        return "the description has no Latin letters; descriptions are read in English"
    if not [t for t in tokens(stripped) if t not in (FOR, SEP)]:
        return "the description says nothing about the goods (only packing, quantities or codes)"
    return None
