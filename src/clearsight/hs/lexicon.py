"""Trade names and everyday words for goods, pointing at the HS heading or subheading they belong to.

The nomenclature speaks its own language ("automatic data processing machines; portable ..."), while
declarants write "laptop". This lexicon, written for clearsight, bridges the two for the goods that
cross borders most; it feeds the zero-shot retriever (and the trained model's fallback). Codes are
HS 2022 headings (4 digits) or subheadings (6 digits); a test checks that each one exists.
"""

from __future__ import annotations

from functools import cache

#: code | terms separated by ';'
TRADE_NAMES = """
0102|cattle;cow;cows;bull;heifer;heifers;calves;calf;oxen
0103|pig;pigs;swine;piglets
0104|sheep;goat;goats;lambs
0105|chicks;day-old chicks;poultry live;hens live
0201|beef fresh;beef chilled;fresh beef
0202|frozen beef;beef frozen
0203|pork;pig meat;pork meat;pork belly;pork cuts
0204|mutton;lamb meat;goat meat
0207|chicken;chicken meat;chicken wings;chicken legs;leg quarters;drumsticks;turkey meat;broiler meat
0302|fresh fish;tilapia;salmon fresh
0303|frozen fish;frozen mackerel;frozen sardines;frozen tuna;horse mackerel;frozen tilapia
0304|fish fillets;fish fillet
0306|shrimp;shrimps;prawn;prawns;lobster;crab;crabs;crayfish
0307|squid;octopus;mussels;oysters;clams
0401|fresh milk;uht milk;liquid milk;cream fresh
0402|milk powder;powdered milk;full cream milk powder;skimmed milk powder;condensed milk;evaporated milk
040210|skimmed milk powder;skim milk powder;smp;low fat milk powder
040221|full cream milk powder;whole milk powder;fcmp
0403|yogurt;yoghurt;buttermilk;kefir
0404|whey;whey powder
0405|butter;ghee
0406|cheese;cheddar;mozzarella;gouda;parmesan;cream cheese;processed cheese
0407|eggs;hatching eggs;table eggs
0409|honey
0601|bulbs for planting
0602|seedlings;live plants;cuttings
0603|cut flowers;roses;fresh flowers
0701|potatoes;potato
0702|tomatoes fresh;tomato fresh
0703|onion;onions;garlic;shallots;leeks
070310|onion;onions;shallots
070320|garlic
0709|peppers fresh;vegetables fresh;mushrooms fresh
0713|lentils;beans dried;chickpeas;peas dried;pulses;kidney beans
0801|coconuts;cashew nuts;brazil nuts
0802|almonds;walnuts;hazelnuts;pistachios;macadamia
0803|bananas;banana;plantains
0804|dates;figs;pineapples;avocados;mangoes;mango;guavas
0805|oranges;orange;mandarins;tangerines;lemons;limes;grapefruit;citrus fruit
0806|grapes;raisins;sultanas
0808|apples;apple;pears;pear
0810|strawberries;kiwi;kiwifruit;berries
0813|dried fruit;prunes;dried apricots
0901|coffee;coffee beans;arabica;robusta
090111|green coffee;raw coffee;unroasted coffee;green coffee beans
090121|roasted coffee;ground coffee;coffee roasted
0902|tea;black tea;green tea;tea bags
0904|pepper;black pepper;white pepper;chilli;chillies;paprika
0906|cinnamon
0908|nutmeg;cardamom;cardamoms
0909|cumin;coriander seeds;anise;fennel seeds
0910|ginger;turmeric;curry;spices;thyme;saffron
1001|wheat;durum wheat;milling wheat
1003|barley;malting barley
1005|maize;corn;yellow corn;white maize;popcorn maize
1006|rice;paddy;basmati;jasmine rice;parboiled rice
100640|broken rice;rice brokens
1007|sorghum
1101|wheat flour;flour;bread flour
1102|maize flour;corn flour;cornmeal
1107|malt
1108|starch;cassava starch;corn starch;tapioca starch
1201|soybeans;soya beans;soybean
1202|groundnuts;peanuts
1207|sesame;sesame seeds;sunflower seeds;shea nuts;cotton seeds;rapeseed
1209|seeds for sowing;vegetable seeds;grass seed
1211|herbs;medicinal plants;medicinal herbs;dried herbs
1301|gum arabic;lac;resins natural
1507|soybean oil;soya oil
1511|palm oil;palm olein;rbd palm olein;crude palm oil;palm stearin
1509|olive oil;extra virgin olive oil
1512|sunflower oil;safflower oil;cotton seed oil
1513|coconut oil;palm kernel oil
1514|rapeseed oil;canola oil
1515|maize oil;corn oil;sesame oil
1516|hydrogenated oil;vegetable fat;shortening
1517|margarine;vegetable ghee;cooking fat
1601|sausages;hot dogs;salami
1602|canned chicken;chicken luncheon meat;canned meat;corned beef;luncheon meat;ham;meat preparations
1604|canned fish;tuna;canned tuna;sardines canned;canned sardines;caviar
1701|sugar;cane sugar;white sugar;brown sugar;raw sugar;refined sugar
170199|white sugar;refined sugar
1702|sugar syrup;glucose;dextrose;fructose;glucose syrup;lactose
1704|sweets;candy;candies;confectionery;chewing gum;lollipops;toffees;bubble gum
1806|chocolate;cocoa preparations;chocolate bars
1801|cocoa beans
1805|cocoa powder
1901|baby milk;infant milk;baby milk powder;infant formula;baby formula;malt extract;baby food
1902|pasta;spaghetti;macaroni;noodles;instant noodles;vermicelli;couscous
190230|instant noodles
1904|cornflakes;breakfast cereals;muesli
1905|bakery products;baked goods;biscuits;cookies;crackers;wafers;bread;cakes;pastries
2001|pickles;gherkins
2002|tomato paste;tomato puree;tomato concentrate;canned tomatoes
2004|frozen chips;frozen french fries;french fries
2005|baked beans;canned vegetables;sweet corn canned
2007|jam;jams;marmalade;fruit jelly
2008|peanut butter;canned fruit;canned pineapple
2009|juice;fruit juice;orange juice;apple juice;juice concentrate
2101|instant coffee;soluble coffee;coffee extract;coffee mix
2103|sauce;sauces;ketchup;mayonnaise;mustard;soy sauce;seasoning;stock cubes;bouillon cubes
2104|soups;soup;broth
2105|ice cream
2106|food supplements;dietary supplements;protein powder;vitamins supplements;food preparations;syrup flavoured
2201|water;mineral water;drinking water;bottled water;spring water
2202|soft drinks;soda;carbonated drinks;energy drinks;cola;lemonade;flavoured water;malt drink
2203|beer;lager;stout;ale
2204|wine;red wine;white wine;sparkling wine;champagne
2206|cider;perry
2207|ethanol;ethyl alcohol;rectified spirit;denatured alcohol
2208|spirits;liquor;liqueur;whisky;vodka;gin;rum;brandy;cognac;tequila
220830|whisky;scotch
220840|rum
220850|gin
220860|vodka
2209|vinegar
2301|fish meal;meat meal
2304|soybean meal;soya meal;soya cake
2309|animal feed;pet food;dog food;cat food;poultry feed;feed premix
2401|tobacco leaf;unmanufactured tobacco;raw tobacco
2402|cigarettes;cigars;cigarillos
2403|shisha;hookah tobacco;water pipe tobacco;pipe tobacco;snuff;chewing tobacco;rolling tobacco
2404|e-liquid;vape;nicotine pouches;heated tobacco
2501|salt;sea salt;table salt;rock salt
2505|sand;silica sand
2515|marble blocks;travertine
2516|granite blocks
2517|gravel;crushed stone;aggregate
2520|gypsum;plaster of paris
2523|cement;portland cement;clinker;opc
2701|coal;anthracite;bituminous coal;steam coal
2704|coke
2709|crude oil;crude petroleum
2710|petroleum oils;diesel;gasoil;gas oil;petrol;motor spirit;kerosene;jet fuel;jet a1;fuel oil;lubricating oil;engine oil;motor oil;lubricants;hydraulic oil;transformer oil;base oil;grease
271012|petrol;motor spirit;gasoline;premium motor spirit;naphtha;unleaded
271019|diesel;gasoil;gas oil;kerosene;jet fuel;fuel oil;lubricating oil;engine oil;motor oil;lubricants;hydraulic oil;base oil;grease;heavy fuel oil
2711|lpg;liquefied petroleum gas;propane;butane;natural gas;lng;cooking gas
2713|bitumen;petroleum coke;asphalt
2804|hydrogen;nitrogen;oxygen;argon
2807|sulphuric acid
2815|caustic soda;sodium hydroxide;potassium hydroxide
2823|titanium dioxide;tio2
2836|soda ash;sodium carbonate;sodium bicarbonate;baking soda
2905|methyl alcohol;methanol;glycerol;glycol;ethylene glycol
2915|acetic acid
3002|vaccines;vaccine;blood plasma;antisera
3003|medicaments in bulk
3004|medicines;medicaments;medicine;drugs pharmaceutical;tablets;capsules;syrups medicinal;antibiotics;paracetamol;amoxicillin;painkillers;antimalarials;ointment
3005|bandages;plasters;gauze;wound dressings;cotton wool medical
3006|first aid kits;surgical sutures;contraceptives
3102|urea;ammonium nitrate;ammonium sulphate;can fertiliser
3103|phosphate fertiliser;superphosphate
3104|potash;muriate of potash;potassium chloride fertiliser
3105|npk;npk fertiliser;compound fertiliser;dap;diammonium phosphate;map fertiliser
3208|paint;paints;varnish;lacquer;enamel paint;oil paint
3209|emulsion paint;water based paint;acrylic paint
3214|putty;wall putty;sealant;grout
3215|ink;printing ink;writing ink
3303|perfume;perfumes;fragrance;eau de parfum;eau de toilette;cologne;body spray
3304|cosmetics;make-up;makeup;lipstick;nail polish;face cream;skin cream;body lotion;moisturiser;sunscreen;powder face;mascara
3305|shampoo;hair conditioner;hair relaxer;hair dye;hair gel;hair oil;hair cream
3306|toothpaste;dental floss;mouthwash
3307|roll-on;roll on;deodorant;antiperspirant;shaving cream;bath salts;air freshener
3401|soap;toilet soap;bath soap;laundry soap;bar soap
3402|detergent;detergents;washing powder;liquid detergent;dishwashing liquid;surfactant;cleaning agent
3403|lubricating preparations;cutting oil
3405|shoe polish;car polish
3406|candles
3506|glue;adhesive;adhesives
3605|matches
3808|insecticide;insecticides;pesticide;pesticides;herbicide;herbicides;fungicide;weed killer;mosquito coils;rat poison;disinfectant
380891|insecticide;insecticides;mosquito coils;insect spray
380892|fungicide
380893|herbicide;weed killer;glyphosate
380894|disinfectant;hand sanitiser;sanitizer
3824|chemical preparations;additives;concrete admixture
3901|polyethylene;hdpe granules;ldpe granules;lldpe
3902|polypropylene;pp granules
3903|polystyrene;eps
3904|pvc resin;polyvinyl chloride
3907|pet resin;pet chips;polyester resin;epoxy resin
3917|plastic pipes;pvc pipes;polyethylene pipes;ppr pipes;plastic hoses;plastic pipe fittings;pvc fittings;conduit pipes;electrical conduit
3919|self adhesive tape;adhesive tape;packing tape;labels plastic
3920|plastic film;plastic sheets;stretch film;shrink film;polyethylene sheeting
3921|foam sheets;plastic foam
3922|bathtubs;shower trays;toilet seats plastic
3923|carrier bags;plastic bags;polyethylene bags;poly bags;nylon bags;shopping bags;garbage bags;bin bags;plastic bottles;preforms;jerrycans;plastic containers;caps and closures;plastic crates
3924|buckets;basins;plastic tableware;plastic kitchenware;plastic plates;plastic cups;plastic buckets;basins plastic;household plastic articles
3925|plastic doors;plastic windows;water tanks plastic
3926|plastic articles;plastic accessories;raincoats plastic;office supplies plastic
4001|natural rubber;latex
4011|tyres;tires;tyre;car tyres;truck tyres;bus tyres;motorcycle tyres;bicycle tyres;new tyres;radial tyres
401110|car tyres;passenger car tyres
401120|truck tyres;bus tyres
401140|motorcycle tyres
401150|bicycle tyres
4012|used tyres;retreaded tyres
4013|inner tubes;tubes for tyres
4015|rubber gloves;latex gloves;surgical gloves;examination gloves;nitrile gloves
4016|rubber articles;rubber seals;gaskets;o-rings
4101|hides;raw hides
4107|finished leather
4202|handbags;bags;suitcases;luggage;backpacks;school bags;wallets;purses;travel bags;briefcases
4203|leather gloves;leather belts;leather clothing
4403|logs;timber logs;round wood
4407|sawn timber;sawn wood;lumber;timber;planks
4410|particle board;chipboard;osb
4411|mdf;fibreboard;hardboard
4412|plywood
4418|wooden doors;door frames;parquet;builders joinery
4419|wooden kitchenware;chopsticks
4421|toothpicks;clothes pegs;wooden hangers
4703|wood pulp
4707|waste paper
4802|paper;printing paper;writing paper;copy paper;a4 paper;photocopy paper
4804|kraft paper;kraftliner
4818|toilet paper;toilet tissue;tissue paper;napkins paper;paper towels;kitchen towels;facial tissues
4819|cartons;corrugated boxes;carton boxes;paper bags;packaging boxes
4820|exercise books;notebooks;registers;diaries;envelopes stationery
4821|labels paper
4901|books;printed books;textbooks;brochures
4902|newspapers;magazines
4911|printed matter;calendars;posters
5007|silk fabric
5201|raw cotton;cotton lint;cotton bales;ginned cotton
5205|cotton yarn
5208|cotton fabric
5209|denim;denim fabric;cotton fabric heavy
5402|polyester yarn;nylon yarn
5407|polyester fabric;nylon fabric;synthetic fabric
5503|polyester staple fibre
5603|non-woven fabric;nonwoven
5701|carpets knotted
5703|carpets;rugs;artificial grass;artificial turf
5705|mats;rugs
5804|lace;tulle
5807|labels textile;badges woven
6001|fleece fabric;plush fabric
6006|knitted fabric;jersey fabric
6103|men suits knitted;tracksuit trousers knitted;shorts knitted
6104|women dresses knitted;leggings;skirts knitted
6105|men shirts knitted;polo shirts;polo shirt
6106|blouses knitted
6107|men underwear;boxers;briefs men
6108|women underwear;panties;nightdresses;pyjamas women;lingerie
6109|t-shirt;t-shirts;vests;singlets;tank tops;tee shirt
6110|sweaters;jerseys;pullovers;cardigans;hoodies;sweatshirts;jumpers;fleece jackets
6111|baby clothes;babies garments;baby wear;rompers;infant clothing
6112|tracksuits;swimwear;swimsuits;ski suits
6115|socks;stockings;tights;pantyhose
6116|knitted gloves
6117|scarves knitted;beanies
6201|men coats;men jackets;anoraks;parkas;windbreakers
6202|women coats;women jackets
6203|men trousers;men suits;men jeans;jeans;trousers;shorts men;blazers men
6204|women trousers;dresses;skirts;women suits;ladies dresses;women jeans
6205|men shirts;dress shirts;formal shirts
6206|blouses;women shirts;ladies tops
6207|men underwear woven;men pyjamas
6211|tracksuits woven;swimwear woven
6212|bras;brassieres;corsets;girdles
6214|shawls;scarves
6215|ties;neckties;bow ties
6301|blankets;travelling rugs
6302|bed linen;bed sheets;pillowcases;towels;table linen;kitchen linen;duvet covers
6303|curtains;drapes
6304|bedspreads;cushion covers
6305|sacks;woven bags;pp woven bags;jute bags;bulk bags;fibc
6306|tarpaulins;tents;tarps
6307|face masks;textile masks;floor cloths;life jackets;safety harness
6309|second hand clothing;used clothing;used clothes;worn clothing;mitumba;second hand clothes;used shoes
6310|rags;used rags
6401|rubber boots;gumboots;wellington boots
6402|sandals;slippers;flip flops;plastic shoes;rubber shoes;sports shoes;crocs;slides;football boots
6403|leather shoes;leather boots;shoes leather;leather sandals;formal shoes
6404|sneakers;trainers;canvas shoes;running shoes;textile shoes
6405|shoes;footwear
6406|shoe parts;soles;insoles;shoe uppers;uppers;footwear parts;outsoles
6501|hat forms
6505|hats;caps;berets;hair nets
6506|helmets;safety helmets;motorcycle helmets
6601|umbrellas
6704|wigs;hair extensions;weaves;braids synthetic hair;false eyelashes
6802|marble;granite;marble slabs;granite slabs;tombstones
6810|concrete blocks;paving stones;precast concrete
6815|carbon fibre articles
6907|tiles;ceramic tiles;floor tiles;wall tiles;porcelain tiles
6910|sinks;wash basins;toilets;water closets;toilet bowls;bidets;urinals;sanitary ware
6911|porcelain tableware;china dinnerware
6912|ceramic tableware;ceramic mugs
7003|glass sheets cast
7005|float glass;glass sheets
7007|safety glass;tempered glass;laminated glass;windscreens
7010|glass bottles;glass jars
7013|glassware;drinking glasses;glass cups;tumblers;glass tumblers
7019|fibreglass;glass wool
7101|pearls
7102|diamonds
7108|gold bars;gold dust;gold bullion
7113|jewellery;gold jewellery;silver jewellery;rings;necklaces;bracelets;earrings
7117|imitation jewellery;costume jewellery;fashion jewellery;bijouterie
7204|scrap iron;steel scrap;ferrous scrap
7207|billets;steel billets
7208|hot rolled coils;hr coils;hot rolled sheets
7209|cold rolled coils;cr coils
7210|galvanised sheets;galvanised coils;gi sheets;roofing sheets;iron sheets;corrugated iron sheets;ppgi;tinplate
7213|wire rod
7214|rebar;rebars;reinforcing bars;reinforcement bars;deformed bars;tmt bars;iron rods
7216|angles iron;channels steel;i-beams;h-beams;steel sections
7217|iron wire;steel wire;binding wire
7219|stainless steel sheets
7304|seamless pipes;oil well casing
7306|steel pipes;steel tubes;gi pipes;welded pipes;square tubes;hollow sections
7308|steel structures;structural steel;scaffolding;steel doors;roofing trusses;prefabricated steel
7309|steel tanks;storage tanks
7310|steel drums;tins metal;cans metal
7311|gas cylinders;lpg cylinders;oxygen cylinders
7312|wire rope;steel cables;strand
7313|barbed wire
7314|wire mesh;chain link fence;fencing wire
7315|chains
7317|nails;roofing nails;staples;tacks
7318|screws;bolts;nuts;washers;rivets;fasteners
7321|gas cookers;cooking stoves;gas stoves;barbecue grills
7323|steel kitchenware;stainless steel kitchenware;cooking pots;saucepans;cookware;pots and pans;stainless steel utensils;sufurias
7324|sinks stainless steel;bathtubs steel
7326|steel articles;iron articles
7403|copper cathodes;refined copper
7408|copper wire
7601|aluminium ingots;aluminium unwrought
7604|aluminium profiles;aluminium sections;aluminium bars
7606|aluminium sheets;aluminium plates;aluminium coils
7607|aluminium foil;foil
7610|aluminium windows;aluminium doors;aluminium structures
7615|aluminium kitchenware;aluminium pots;aluminium cookware
7801|lead ingots
7901|zinc ingots
8201|hoes;spades;shovels;rakes;axes;machetes;pangas;garden tools
8202|saws;saw blades
8203|pliers;files tools;tweezers
8204|spanners;wrenches;sockets tools
8205|hand tools;hammers;screwdrivers;tool kits
8207|drill bits;cutting tools
8211|knives;kitchen knives
8212|razors;razor blades
8214|scissors
8215|spoons;forks;cutlery
8301|padlocks;locks;door locks
8302|hinges;door handles;furniture fittings metal;castors
8309|bottle caps;crown corks
8402|boilers
8407|petrol engines;car engines;vehicle engines;outboard motors
8408|diesel engines;marine engines
8409|engine parts;pistons;cylinder heads
8413|pumps;water pumps;fuel pumps;submersible pumps;centrifugal pumps
8414|air compressors;compressors;fans;ceiling fans;standing fans;vacuum pumps;cooker hoods;extractor fans
8415|air conditioners;air conditioner;split air conditioner;split ac;air conditioning
8418|refrigerators;refrigerator;fridges;freezers;deep freezers;chest freezers;cold rooms;water dispensers
8419|water heaters solar;solar water heaters;dryers industrial
8421|water filters;water purifiers;oil filters;air filters;fuel filters;centrifuges
8422|dishwashers;bottling machines;packaging machines
8423|scales;weighing scales;weighing machines;bathroom scales
8424|sprayers;knapsack sprayers;fire extinguishers;sprinklers
8425|jacks;winches;hoists
8426|cranes;mobile cranes;tower cranes
8427|forklifts;forklift trucks
8428|elevators;lifts;escalators;conveyors
8429|excavators;bulldozers;graders;loaders;wheel loaders;backhoe;road rollers
8430|pile drivers;drilling rigs
8431|excavator parts;bucket teeth;crane parts;parts of earthmoving machinery
8432|disc ploughs;disc harrows;ploughs;harrows;planters;seeders;lawn mowers
8433|harvesters;combine harvesters;threshers;mowers
8436|poultry equipment;incubators;hatchers
8437|milling machines grain;flour mills;maize mills
8438|food processing machines;bakery machines
8443|printers;printer;photocopiers;copiers;printing machines;toner;cartridges;ink cartridges
844332|printers;printer;laser printers;inkjet printers
8450|washing machines;washing machine;laundry machines
8452|sewing machines
8467|power tools;drills;angle grinders;chainsaws
8470|calculators;cash registers
8471|computers;computer;laptops;laptop;notebook computers;desktop computers;desktops;servers;keyboards;computer mouse;scanners;hard disks;ssd;external hard drive
847130|laptops;laptop;notebook computers;ipad;tablets computer;chromebook
847141|desktop computers;desktops;pc
847160|keyboards;mouse;computer mouse;scanners
847170|hard disks;hard drives;ssd;external hard drive;storage devices
8473|computer parts;computer accessories
8474|concrete mixers;crushers;brick making machines
8477|injection moulding machines;extruders
8479|machines n.e.s;industrial machines
8481|valves;taps;faucets;ball valves;gate valves;mixers taps
8482|bearings;ball bearings;roller bearings
8483|gearboxes;transmission shafts;pulleys;clutches
8484|gaskets metal
8501|electric motors;motors electric;generators small;solar pumps
8502|generators;generator;gensets;generating sets;diesel generators;petrol generators
8504|transformers;transformer;inverters;inverter;ups;battery chargers;chargers;power supplies;adapters;stabilisers;voltage stabilizers
8505|magnets
8506|dry batteries;dry cells;aa batteries;aaa batteries;primary batteries;alkaline batteries
8507|batteries;battery;car batteries;accumulators;lithium batteries;lead acid batteries;solar batteries;power banks
850760|lithium batteries;lithium-ion batteries;power banks
8508|vacuum cleaners
8509|blenders;juicers;food processors;mixers kitchen
8510|shavers;hair clippers;hair trimmers
8513|torches;flashlights;solar lanterns
8516|kettles;electric kettles;water heaters;hair dryers;irons electric;flat irons;microwave;microwave ovens;ovens;electric cookers;electric ovens;electric stoves;instant showers;electric showers;toasters;rice cookers;hot plates;heaters
8517|mobile phones;mobile phone;phones;cell phones;smartphones;smartphone;telephones;routers;modems;switches network;wifi;base stations;feature phones;iphone
851713|smartphones;smartphone;mobile phones;mobile phone;cell phones;iphone;android phones
851762|routers;modems;network switches;wifi routers
8518|speakers;loudspeakers;headphones;earphones;earbuds;microphones;amplifiers;home theatre
8519|turntables;mp3 players
8521|dvd players;video recorders
8523|memory cards;usb flash drives;flash disks;sd cards
8525|cctv cameras;cameras;digital cameras;security cameras;webcams;transmitters
8527|radios;radio receivers;car radios
8528|computer monitors;lcd monitors;led monitors;televisions;television;tv sets;smart tv;led tv;monitors;projectors;set top boxes;decoders
852852|computer monitors;lcd monitors;led monitors
852872|televisions;television;tv sets;smart tv;led tv
8529|antennas;satellite dishes;tv parts
8531|alarms;burglar alarms;fire alarms;doorbells
8536|switches electric;sockets;plugs;circuit breakers;fuses;relays;connectors
8537|control panels;distribution boards;switchboards
8539|bulbs;lamps;led bulbs;light bulbs;fluorescent tubes;energy saving bulbs
8541|solar panels;solar panel;photovoltaic panels;solar modules;diodes;transistors
854143|solar panels;solar panel;photovoltaic modules;solar modules
8542|integrated circuits;microchips;chips;processors
8543|electronic cigarettes;e-cigarettes;vapes
8544|cables;cable;electric cables;electrical wires;wires electric;power cables;copper cables;fibre optic cables;usb cables;coaxial cables
8545|carbon electrodes
8601|locomotives
8701|tractors;tractor;road tractors;prime movers;truck heads
8702|buses;bus;minibuses;coaches
8703|cars;car;motor cars;vehicles;saloon cars;suv;jeeps;station wagons;sedans;hatchbacks;used cars;electric cars;hybrid cars
870380|electric cars;electric vehicles;ev
8704|light trucks;pick up trucks;trucks;truck;lorries;pick-ups;pickups;pick up;tipper trucks;dump trucks;vans goods;delivery vans
8705|fire engines;crane lorries;concrete mixer trucks;tow trucks
8706|chassis with engines
8707|bodies for vehicles
8708|brake discs;brake drums;brake shoes;clutch plates;car parts;auto parts;spare parts vehicles;vehicle parts;motor vehicle parts;brake pads;bumpers;shock absorbers;radiators car;gearboxes vehicles;wheels rims;exhausts;clutches vehicles;suspension
8711|motorcycles;motorcycle;motorbikes;motorbike;scooters;mopeds;boda boda;tuk tuk;e-bikes;electric motorcycles
8712|bicycles;bicycle;bikes;bike
8714|motorcycle parts;bicycle parts;motorcycle spares
8716|trailers;semi-trailers;wheelbarrows;carts;hand trucks
8802|aircraft;helicopters;drones;aeroplanes
8901|ships;vessels;boats cargo
8903|boats;yachts;canoes;kayaks
9001|contact lenses;optical fibres;lenses
9003|spectacle frames
9004|sunglasses;spectacles;eyeglasses;reading glasses
9006|cameras photographic
9011|microscopes
9015|surveying instruments;theodolites
9018|medical instruments;medical devices;syringes;needles;surgical instruments;catheters;blood pressure monitors;stethoscopes;dental instruments
9019|massage apparatus;respirators;oxygen therapy apparatus
9021|orthopaedic appliances;hearing aids;crutches;prostheses
9022|x-ray machines;scanners x-ray
9025|thermometers;hydrometers
9026|flow meters;pressure gauges
9027|laboratory instruments;analysers
9028|water meters;electricity meters;gas meters;prepaid meters
9032|thermostats;regulators automatic
9101|watches precious metal
9102|watches;wrist watches;wristwatches;smart watches
9105|clocks;wall clocks;alarm clocks
9207|keyboards musical;electric guitars
9202|guitars;violins
9302|pistols;revolvers
9303|rifles;shotguns;hunting guns
9305|gun parts;firearm parts
9306|ammunition;cartridges ammunition;bullets;grenades
9401|seats;chairs;sofas;couches;armchairs;office chairs;car seats;plastic chairs;recliners
9403|furniture;tables;desks;beds wooden;wardrobes;cabinets;cupboards;shelves;kitchen cabinets;office furniture;plastic furniture
9404|mattresses;mattress;pillows;cushions;quilts;duvets;sleeping bags;foam mattresses
9405|lamps;lights;light fittings;led lights;chandeliers;street lights;floodlights;solar lights;lighting
9406|prefabricated buildings;containers houses;cabins
9503|toys;toy;dolls;toy cars;puzzles;scooters children;tricycles children;balloons;stuffed toys
9504|video games;game consoles;playstation;playing cards;board games;billiards;pool tables;chess
9506|sports equipment;balls;footballs;soccer balls;gym equipment;treadmills;fitness equipment;tennis rackets;golf clubs
9507|fishing rods;fishing hooks;fishing nets
9603|brooms;brushes;toothbrushes;paint brushes;mops
9605|travel sets
9606|buttons
9607|zippers;zips;slide fasteners
9608|pens;ballpoint pens;markers;pencils colour
9609|pencils;crayons;chalk
9613|lighters;cigarette lighters
9615|combs;hair pins;hair clips
9617|vacuum flasks;thermos
9619|diapers;nappies;baby diapers;sanitary pads;sanitary towels;tampons;panty liners;adult diapers;wet wipes
9701|paintings
9703|sculptures
"""


@cache
def trade_names() -> dict[str, tuple[str, ...]]:
    """Code -> the trade names and everyday words that point at it."""
    out: dict[str, list[str]] = {}
    for line in TRADE_NAMES.strip().splitlines():
        code, terms = line.split("|")
        out.setdefault(code, []).extend(t.strip() for t in terms.split(";") if t.strip())
    return {code: tuple(terms) for code, terms in out.items()}
