"""The words seeded products are made of: a category tree, and per kind of piece its garments, sizes,
price range and silhouette; materials with their care; designers; colours.

Plain data, so the seeder can combine it deterministically from one random seed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """What a leaf category sells: garment nouns, the materials they come in, a size scale, a price range (EUR)."""

    garments: tuple[str, ...]
    materials: tuple[str, ...]
    sizes: tuple[str, ...]
    price_range: tuple[int, int]
    silhouette: str


LETTER_SIZES = ("XS", "S", "M", "L", "XL")
WOMEN_SIZES = ("34", "36", "38", "40", "42", "44")
MEN_SIZES = ("46", "48", "50", "52", "54", "56")
SHOE_SIZES = ("36", "37", "38", "39", "40", "41", "42", "43", "44", "45")
ONE_SIZE = ("One size",)
BELT_SIZES = ("75", "80", "85", "90", "95")

WOOLS = ("Cashmere", "Virgin Wool", "Alpaca", "Mohair", "Camel Hair", "Merino", "Bouclé", "Tweed")
SILKS = ("Silk", "Silk Satin", "Silk Crêpe", "Organza", "Chiffon", "Velvet", "Georgette")
COTTONS = ("Cotton Poplin", "Linen", "Cotton Twill", "Seersucker", "Oxford Cotton", "Denim")
LEATHERS = ("Calfskin", "Lambskin", "Suede", "Nappa Leather", "Grained Leather", "Patent Leather")
KNITS = ("Cashmere", "Merino", "Mohair", "Alpaca", "Silk-Cashmere", "Cotton Cable")
METALS = ("Sterling Silver", "Gold Vermeil", "Brass", "Recycled Silver")

# Three levels, as a shop shows them: department > section > what the piece is.
CATEGORY_TREE: dict[str, dict[str, dict[str, Kind]]] = {
    "Women": {
        "Outerwear": {
            "Coats": Kind(("Coat", "Overcoat", "Wrap Coat", "Cocoon Coat"), WOOLS, WOMEN_SIZES, (900, 4800), "coat"),
            "Trench Coats": Kind(("Trench Coat", "Belted Trench"), COTTONS, WOMEN_SIZES, (1100, 3200), "coat"),
            "Jackets": Kind(
                ("Jacket", "Cropped Jacket", "Biker Jacket"), LEATHERS + WOOLS, WOMEN_SIZES, (700, 3900), "jacket"
            ),
        },
        "Dresses": {
            "Evening Gowns": Kind(("Gown", "Column Gown", "Draped Gown"), SILKS, WOMEN_SIZES, (1800, 9500), "dress"),
            "Day Dresses": Kind(
                ("Midi Dress", "Shirt Dress", "Wrap Dress"), COTTONS + SILKS, WOMEN_SIZES, (450, 1900), "dress"
            ),
            "Cocktail Dresses": Kind(
                ("Cocktail Dress", "Slip Dress", "Mini Dress"), SILKS, WOMEN_SIZES, (800, 3600), "dress"
            ),
        },
        "Knitwear": {
            "Sweaters": Kind(("Sweater", "Turtleneck", "Crewneck"), KNITS, LETTER_SIZES, (380, 1600), "top"),
            "Cardigans": Kind(("Cardigan", "Long Cardigan"), KNITS, LETTER_SIZES, (420, 1700), "top"),
        },
        "Tops": {
            "Blouses": Kind(("Blouse", "Pussy-bow Blouse", "Tunic"), SILKS + COTTONS, WOMEN_SIZES, (290, 1300), "top"),
        },
        "Bottoms": {
            "Trousers": Kind(
                ("Trousers", "Wide-leg Trousers", "Cigarette Trousers"),
                WOOLS + COTTONS,
                WOMEN_SIZES,
                (350, 1200),
                "trousers",
            ),
            "Skirts": Kind(
                ("Skirt", "Pleated Skirt", "Pencil Skirt"), WOOLS + SILKS + LEATHERS, WOMEN_SIZES, (320, 1500), "skirt"
            ),
        },
    },
    "Men": {
        "Tailoring": {
            "Blazers": Kind(
                ("Blazer", "Double-breasted Blazer", "Sport Coat"), WOOLS + COTTONS, MEN_SIZES, (900, 3800), "jacket"
            ),
            "Suits": Kind(("Suit", "Three-piece Suit", "Tuxedo"), WOOLS, MEN_SIZES, (1800, 6500), "jacket"),
            "Trousers": Kind(
                ("Trousers", "Pleated Trousers", "Chinos"), WOOLS + COTTONS, MEN_SIZES, (320, 1100), "trousers"
            ),
        },
        "Outerwear": {
            "Coats": Kind(
                ("Overcoat", "Chesterfield Coat", "Car Coat", "Peacoat"), WOOLS, MEN_SIZES, (1100, 5200), "coat"
            ),
            "Jackets": Kind(
                ("Field Jacket", "Bomber Jacket", "Blouson"), LEATHERS + COTTONS, MEN_SIZES, (800, 4200), "jacket"
            ),
        },
        "Knitwear": {
            "Sweaters": Kind(("Sweater", "Rollneck", "Polo Sweater"), KNITS, LETTER_SIZES, (350, 1500), "top"),
        },
        "Shirts": {
            "Dress Shirts": Kind(
                ("Shirt", "Evening Shirt", "Poplin Shirt"), COTTONS + SILKS, MEN_SIZES, (240, 780), "top"
            ),
            "Casual Shirts": Kind(
                ("Overshirt", "Camp Shirt", "Oxford Shirt"), COTTONS, LETTER_SIZES, (220, 690), "top"
            ),
        },
    },
    "Accessories": {
        "Bags": {
            "Totes": Kind(("Tote", "Shopper", "Bucket Bag"), LEATHERS, ONE_SIZE, (850, 4200), "bag"),
            "Clutches": Kind(("Clutch", "Minaudière", "Pouch"), LEATHERS + SILKS, ONE_SIZE, (600, 3400), "bag"),
            "Shoulder Bags": Kind(
                ("Shoulder Bag", "Saddle Bag", "Baguette Bag"), LEATHERS, ONE_SIZE, (1200, 5800), "bag"
            ),
        },
        "Scarves": {
            "Silk Scarves": Kind(("Scarf", "Carré", "Twilly"), SILKS, ONE_SIZE, (190, 690), "scarf"),
            "Wool Scarves": Kind(("Scarf", "Stole", "Wrap"), WOOLS, ONE_SIZE, (220, 980), "scarf"),
        },
        "Belts": {
            "Leather Belts": Kind(("Belt", "Buckle Belt", "Wrap Belt"), LEATHERS, BELT_SIZES, (240, 890), "belt"),
        },
        "Jewellery": {
            "Rings": Kind(("Ring", "Signet Ring", "Band"), METALS, ("50", "52", "54", "56", "58"), (180, 1400), "ring"),
            "Necklaces": Kind(("Necklace", "Pendant", "Chain"), METALS, ONE_SIZE, (220, 2400), "ring"),
        },
    },
    "Shoes": {
        "Women's Shoes": {
            "Heels": Kind(("Pumps", "Slingbacks", "Mules"), LEATHERS, SHOE_SIZES[:7], (590, 1450), "shoe"),
            "Flats": Kind(("Ballet Flats", "Loafers", "Sandals"), LEATHERS, SHOE_SIZES[:7], (450, 1100), "shoe"),
        },
        "Men's Shoes": {
            "Boots": Kind(
                ("Chelsea Boots", "Lace-up Boots", "Jodhpur Boots"), LEATHERS, SHOE_SIZES[3:], (690, 1800), "shoe"
            ),
            "Loafers": Kind(
                ("Penny Loafers", "Tassel Loafers", "Derbies"), LEATHERS, SHOE_SIZES[3:], (550, 1400), "shoe"
            ),
        },
    },
}

DESCRIPTORS = (
    "Double-faced",
    "Hand-finished",
    "Oversized",
    "Tailored",
    "Relaxed",
    "Sculpted",
    "Belted",
    "Draped",
    "Structured",
    "Fluid",
    "Cropped",
    "Longline",
    "Quilted",
    "Embroidered",
    "Pleated",
    "Asymmetric",
    "Signature",
    "Archive",
    "Lightweight",
    "Brushed",
    "Raw-edge",
    "Bias-cut",
    "Fringed",
    "Slim",
)

CARE = {
    "Cashmere": "Dry clean, or hand wash cold with a wool detergent. Dry flat, away from heat.",
    "Virgin Wool": "Dry clean only. Brush after wearing and rest it on a shaped hanger.",
    "Silk": "Dry clean only. Keep away from perfume and direct sunlight.",
    "Cotton Poplin": "Machine wash at 30°C on a gentle cycle. Iron on the reverse while slightly damp.",
    "Linen": "Machine wash at 30°C. Iron while damp; creases are part of its character.",
    "Calfskin": "Wipe with a soft dry cloth. Store in its dust bag, stuffed to keep its shape.",
    "Suede": "Brush with a suede brush. Protect from rain; never wash.",
    "Sterling Silver": "Polish with the cloth provided. Store in its pouch to slow tarnish.",
}
DEFAULT_CARE = "Professional clean only. Store folded in the garment bag provided."

FABRIC_FAMILY = {
    **dict.fromkeys(WOOLS + KNITS, "Cashmere"),
    "Virgin Wool": "Virgin Wool",
    "Tweed": "Virgin Wool",
    **dict.fromkeys(SILKS, "Silk"),
    **dict.fromkeys(
        ("Cotton Poplin", "Oxford Cotton", "Cotton Twill", "Seersucker", "Denim", "Cotton Cable"), "Cotton Poplin"
    ),
    "Linen": "Linen",
    **dict.fromkeys(("Calfskin", "Lambskin", "Nappa Leather", "Grained Leather", "Patent Leather"), "Calfskin"),
    "Suede": "Suede",
    **dict.fromkeys(METALS, "Sterling Silver"),
}

LININGS = ("Cupro lining", "Silk lining", "Unlined", "Viscose lining", "Cotton lining")
TRIMS = ("Horn buttons", "Mother-of-pearl buttons", "Brass hardware", "Palladium hardware", "Hand-rolled edges")

ORIGINS = ("Italy", "France", "Portugal", "Japan", "Scotland", "Spain", "England")

SENTENCES = (
    "Cut from {material} {origin_phrase}, it {verb} with an ease that only comes from careful tailoring.",
    "The {garment_lower} is finished by hand in our atelier, with {trim_lower} and {lining_lower}.",
    "A {descriptor_lower} silhouette that moves from day to evening without effort.",
    "Designed to be worn for years: the {material_lower} softens and takes on its owner's shape.",
    "Each piece is made in a small run, so its {material_lower} comes from one bolt and matches exactly.",
    "Proportions are generous through the body and precise at the shoulder.",
    "Part of the {season} collection, it pairs with the house's tailoring and knitwear alike.",
    "Its colour, {colour_lower}, is dyed to order and may vary slightly from one run to the next.",
)
VERBS = ("drapes", "falls", "holds its line", "moves", "sits")
SEASONS = ("Autumn/Winter", "Spring/Summer", "Resort", "Pre-Fall", "Capsule")

# Colours a piece comes in, with the tone its picture is drawn in.
COLOURS: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("Ivory", (236, 229, 214)),
    ("Black", (38, 36, 38)),
    ("Camel", (193, 154, 107)),
    ("Navy", (40, 52, 88)),
    ("Bordeaux", (112, 32, 48)),
    ("Forest", (44, 82, 62)),
    ("Blush", (226, 184, 178)),
    ("Slate", (102, 112, 124)),
    ("Ochre", (204, 146, 48)),
    ("Ecru", (214, 204, 180)),
    ("Chocolate", (88, 58, 42)),
    ("Sage", (156, 170, 142)),
)

# (public name, a short bio) for the first designers; further ones are composed from the parts below.
DESIGNERS = (
    ("Maison Aurèle", "Parisian house known for sculpted coats and quiet luxury, founded in 2009 by Aurèle Fontaine."),
    ("Studio Kirsi Lahti", "Helsinki studio cutting minimalist knitwear and outerwear from undyed Nordic wools."),
    (
        "Atelier Okonkwo",
        "Lagos and London atelier: hand-embroidered evening wear and tailoring with a West African line.",
    ),
    ("Vittoria Sala", "Milanese designer of fluid silk dresses, printed and finished in Como."),
    ("House of Calder", "Savile Row-trained tailoring for men and women, made to measure on request."),
    ("Noor & Vale", "Leather goods from a small workshop in Florence, stitched by hand with waxed linen thread."),
    ("Hana Morimoto", "Tokyo designer whose deconstructed shirting and denim are woven in Okayama."),
    ("Estelle Brandt", "Berlin label for architectural shoes and belts in vegetable-tanned leather."),
    ("Casa Ibarra", "Madrid house of statement jewellery in recycled silver and gold vermeil."),
    ("Lune Rousseau", "Romantic eveningwear: hand-pleated organza, velvet and devoré from Lyon mills."),
    ("Thaddeus Greer", "Country tailoring reimagined: tweeds from the Hebrides, cut slim and soft."),
    ("Ines Albuquerque", "Lisbon designer of relaxed linen and cotton pieces for warm cities."),
)
FIRST_NAMES = (
    "Adèle",
    "Björn",
    "Camille",
    "Dario",
    "Elif",
    "Farah",
    "Gaspard",
    "Hélène",
    "Ilse",
    "Joaquín",
    "Kenji",
    "Léa",
    "Matteo",
    "Nadia",
    "Oskar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sami",
    "Tove",
    "Ugo",
    "Vera",
    "Wren",
    "Yara",
)
SURNAMES = (
    "Arnaud",
    "Bellini",
    "Castellane",
    "Dubois",
    "Eriksen",
    "Ferrante",
    "Grieve",
    "Halloran",
    "Ishikawa",
    "Jansen",
    "Kowalski",
    "Laurent",
    "Moreau",
    "Nakamura",
    "Ortega",
    "Petrov",
    "Quist",
    "Rinaldi",
    "Sato",
    "Thorne",
    "Uberti",
    "Valois",
    "Whitcombe",
    "Zanetti",
)
HOUSES = ("Maison", "Atelier", "Studio", "Casa", "House of")
SPECIALITIES = (
    "sculpted outerwear",
    "bias-cut eveningwear",
    "soft tailoring",
    "hand-knitted cashmere",
    "leather goods",
    "sustainable denim",
    "jewellery in recycled metals",
    "made-to-order shirting",
    "architectural footwear",
)
CITIES = ("Paris", "Milan", "London", "Antwerp", "Copenhagen", "Tokyo", "New York", "Florence", "Seoul", "Lisbon")
