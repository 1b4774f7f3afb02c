"""Seeding the catalog through its real commands: categories, designers' profiles, then products with
variants, stock, a picture and publication, each step a command as a designer's tool would send it.

Products are seeded by a thread pool: the commands of one product run in order on one thread, many
products at once, so the event store's group commit stores several products' events per insert.
What a product is made of is drawn from its own random stream (seed, run tag, number), so a run is
reproducible and the same content does not depend on the threads' timing.

Slugs and SKUs carry the run's tag, so running the seed again adds new products beside the old ones.
Categories and designers are looked up by their natural keys first, so they are made only once.
"""

from __future__ import annotations

import random
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from django.utils.text import slugify
from eventsourcing.application import AggregateNotFoundError

from ocg.catalog import images
from ocg.catalog.application import CatalogApplication
from ocg.catalog.domain import CategorySlug, Designer, KeyIndex, ProductSlug
from ocg.catalog.seeding import pictures, vocabulary
from ocg.spine import uploads
from ocg.spine.domain.money import Money
from ocg.spine.eventstore import eventsourcing_environment

SEED_NAMESPACE = UUID("3f1e9a52-7c44-4d1b-9b0e-2a6f8c5d7e13")
# Mostly euros, as a European house sells; some pounds, dollars and yen (priced in round thousands).
CURRENCIES = (("EUR", 0.8, Decimal(1)), ("GBP", 0.08, Decimal("0.86")), ("USD", 0.08, Decimal("1.09")))
JPY_RATE = Decimal(162)
CUSTOMIZABLE_SHARE = 0.15
ORIGIN_VERBS = {**dict.fromkeys(vocabulary.LEATHERS, "tanned"), **dict.fromkeys(vocabulary.METALS, "cast")}
NO_STOCK_SHARE = 0.08


@dataclass(frozen=True)
class DesignerSpec:
    id: UUID
    name: str
    bio: str

    @property
    def monogram(self) -> str:
        return pictures.monogram(self.name)


@dataclass(frozen=True)
class VariantSpec:
    sku: str
    size: str
    colour: str
    quantity: int


@dataclass(frozen=True)
class ProductSpec:
    designer: DesignerSpec
    category_id: UUID
    name: str
    slug: str
    description: str
    price: Money
    materials: tuple[str, ...]
    care_notes: str
    customizable: bool
    variants: tuple[VariantSpec, ...]
    silhouette: str
    colour: tuple[int, int, int]
    alt_text: str


@dataclass
class SeedResult:
    products: int = 0
    variants: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)


def seeding_application(cache_size: int = 20_000) -> CatalogApplication:
    """The catalog's application with an aggregate cache that trusts itself: no fast-forward read,
    no copy on read.

    Sound only for a writer alone on the aggregates it changes, as the seeder is on the products
    and SKUs it makes (one thread each, and a product whose command failed is never touched again):
    a command then reads its product from memory instead of replaying its events, which takes most
    of the round trips and a third of the CPU off a seeded product. Categories and designers are
    only read. Close it after use.
    """
    environment = eventsourcing_environment(CatalogApplication.name)
    environment.update(
        AGGREGATE_CACHE_MAXSIZE=str(cache_size),
        AGGREGATE_CACHE_FASTFORWARD="n",
        DEEPCOPY_FROM_AGGREGATE_CACHE="n",
    )
    return CatalogApplication(env=environment)


def seeded_designer_id(number: int) -> UUID:
    """Seeded designers have no account: their ids are fixed by number, so a second run reuses them."""
    return uuid.uuid5(SEED_NAMESPACE, f"designer/{number}")


def designer_specs(count: int, first: int = 0) -> list[DesignerSpec]:
    """The named houses first, then composed ones (Atelier Rosa Valois, ...), each with a short bio."""
    specs = []
    for number in range(first, first + count):
        if number < len(vocabulary.DESIGNERS):
            name, bio = vocabulary.DESIGNERS[number]
        else:
            rng = random.Random(f"designer/{number}")  # noqa: S311 - made-up data, not secrets
            person = f"{rng.choice(vocabulary.FIRST_NAMES)} {rng.choice(vocabulary.SURNAMES)}"
            name = f"{rng.choice(vocabulary.HOUSES)} {person}" if rng.random() < 0.5 else person
            name = f"{name} {number}" if number >= 200 else name
            bio = (
                f"{person} founded the label in {rng.choice(vocabulary.CITIES)} in {rng.randint(1995, 2022)}, "
                f"known for {rng.choice(vocabulary.SPECIALITIES)} and {rng.choice(vocabulary.SPECIALITIES)}."
            )
        specs.append(DesignerSpec(seeded_designer_id(number), name, bio))
    return specs


def leaves() -> Iterator[tuple[tuple[str, str, str], vocabulary.Kind]]:
    for department, sections in vocabulary.CATEGORY_TREE.items():
        for section, kinds in sections.items():
            for leaf, kind in kinds.items():
                yield (department, section, leaf), kind


LEAVES = list(leaves())
SKU_LETTERS = re.compile(r"[^A-Z0-9]")


class Seeder:
    """Makes one run's products; `tag` keeps its slugs and SKUs apart from other runs' ("" for none)."""

    def __init__(
        self,
        catalog: CatalogApplication,
        *,
        seed: int = 0,
        tag: str = "",
        picture_size: tuple[int, int] = (240, 320),
    ) -> None:
        self.catalog = catalog
        self.seed = seed
        self.tag = tag
        self.picture_size = picture_size
        self.category_ids: dict[tuple[str, ...], UUID] = {}
        self._lock = threading.Lock()

    # Categories and designers, made once.

    def ensure_categories(self) -> dict[tuple[str, ...], UUID]:
        """The whole tree; slugs are the path's words joined (women-outerwear-coats)."""
        for path, _kind in LEAVES:
            parent: UUID | None = None
            for depth in range(1, len(path) + 1):
                prefix = path[:depth]
                if prefix not in self.category_ids:
                    slug = slugify("-".join(prefix))
                    existing = self._ref(CategorySlug, slug)
                    self.category_ids[prefix] = existing or self.catalog.create_category(
                        actor_id=None, name=prefix[-1], slug=slug, parent_id=parent
                    )
                parent = self.category_ids[prefix]
        return self.category_ids

    def ensure_designer(self, designer: DesignerSpec) -> bool:
        """The profile with its bio; an existing one is left as its designer has it. True if made."""
        try:
            existing = self.catalog.repository.get(designer.id)
        except AggregateNotFoundError:
            existing = None
        if isinstance(existing, Designer):
            return False
        self.catalog.update_designer_profile(designer.id, actor_id=None, name=designer.name, bio=designer.bio)
        return True

    def _ref(self, index_class: type[KeyIndex], key: str) -> UUID | None:
        try:
            return self.catalog.repository.get(index_class.id_for(key)).ref
        except AggregateNotFoundError:
            return None

    def product_exists(self, slug: str) -> bool:
        return self._ref(ProductSlug, slug) is not None

    # What one product is made of.

    def plan(self, number: int, designers: list[DesignerSpec]) -> ProductSpec:
        rng = random.Random(f"{self.seed}/{self.tag}/{number}")  # noqa: S311 - made-up data, not secrets
        (department, section, leaf), kind = rng.choice(LEAVES)
        designer = designers[rng.randrange(len(designers))]
        material = rng.choice(kind.materials)
        garment = rng.choice(kind.garments)
        descriptor = rng.choice(vocabulary.DESCRIPTORS)
        name = f"{descriptor} {material} {garment}"
        suffix = f"{self.tag}-{number}" if self.tag else str(number)
        slug = f"{slugify(name)[:80].strip('-')}-{suffix}"
        colours = rng.sample(vocabulary.COLOURS, k=min(len(vocabulary.COLOURS), rng.randint(1, 3)))
        variants = self._variants(rng, kind, colours, designer, number)
        secondary = rng.sample(vocabulary.LININGS + vocabulary.TRIMS, k=rng.randint(0, 2))
        family = vocabulary.FABRIC_FAMILY.get(material, "")
        return ProductSpec(
            designer=designer,
            category_id=self.category_ids[(department, section, leaf)],
            name=name,
            slug=slug,
            description=self._description(rng, material, garment, descriptor, colours[0][0]),
            price=self._price(rng, kind),
            materials=(material, *secondary),
            care_notes=vocabulary.CARE.get(family, vocabulary.DEFAULT_CARE),
            customizable=rng.random() < CUSTOMIZABLE_SHARE,
            variants=variants,
            silhouette=kind.silhouette,
            colour=colours[0][1],
            alt_text=f"{name} in {colours[0][0].lower()}, by {designer.name}",
        )

    def _variants(
        self,
        rng: random.Random,
        kind: vocabulary.Kind,
        colours: list[tuple[str, tuple[int, int, int]]],
        designer: DesignerSpec,
        number: int,
    ) -> tuple[VariantSpec, ...]:
        """1 to 4 size/colour pairs, distinct; no stock at all for a few pieces (sold out)."""
        count = rng.choice((1, 2, 2, 3, 3, 4))
        pairs: list[tuple[str, str]] = []
        for _ in range(count * 3):
            pair = (rng.choice(kind.sizes), rng.choice(colours)[0])
            if pair not in pairs:
                pairs.append(pair)
            if len(pairs) == count:
                break
        sold_out = rng.random() < NO_STOCK_SHARE
        house = SKU_LETTERS.sub("", designer.monogram)[:3] or "OCG"
        prefix = f"{house}{'-' + self.tag.upper() if self.tag else ''}-{number:06d}"
        return tuple(
            VariantSpec(
                sku=f"{prefix}-{index + 1}",
                size=size,
                colour=colour,
                quantity=0 if sold_out else rng.choice((1, 2, 3, 4, 6, 8, 12)),
            )
            for index, (size, colour) in enumerate(pairs)
        )

    @staticmethod
    def _price(rng: random.Random, kind: vocabulary.Kind) -> Money:
        low, high = kind.price_range
        euros = Decimal(rng.randint(low // 10, high // 10) * 10)
        draw = rng.random()
        threshold = 0.0
        for currency, share, rate in CURRENCIES:
            threshold += share
            if draw < threshold:
                return Money((euros * rate / 10).quantize(Decimal(1)) * 10, currency)
        return Money((euros * JPY_RATE / 1000).quantize(Decimal(1)) * 1000, "JPY")

    @staticmethod
    def _description(rng: random.Random, material: str, garment: str, descriptor: str, colour: str) -> str:
        origin = rng.choice(vocabulary.ORIGINS)
        words = {
            "material": material,
            "material_lower": material.lower(),
            "origin_phrase": f"{ORIGIN_VERBS.get(material, 'woven')} in {origin}",
            "verb": rng.choice(vocabulary.VERBS),
            "garment_lower": garment.lower(),
            "trim_lower": rng.choice(vocabulary.TRIMS).lower(),
            "lining_lower": rng.choice(vocabulary.LININGS).lower(),
            "descriptor_lower": descriptor.lower(),
            "season": rng.choice(vocabulary.SEASONS),
            "colour_lower": colour.lower(),
        }
        sentences = rng.sample(vocabulary.SENTENCES, k=3)
        return " ".join(sentence.format(**words) for sentence in sentences)

    # Making it, command by command.

    def seed_product(self, spec: ProductSpec, *, publish: bool = True) -> UUID:
        designer = spec.designer.id
        product_id = self.catalog.create_product(
            designer_id=designer,
            actor_id=designer,
            name=spec.name,
            slug=spec.slug,
            description=spec.description,
            category_id=spec.category_id,
            price=spec.price,
            materials=spec.materials,
            care_notes=spec.care_notes,
            customizable=spec.customizable,
            designer_name=spec.designer.name,
        )
        for variant in spec.variants:
            self.catalog.add_variant(
                product_id,
                sku=variant.sku,
                size=variant.size,
                colour=variant.colour,
                actor_id=designer,
                acting_designer_id=designer,
            )
        for variant in spec.variants:
            if variant.quantity:
                self.catalog.receive_stock(
                    variant.sku, variant.quantity, actor_id=designer, acting_designer_id=designer
                )
        key = f"{images.owner_prefix(product_id)}/{uuid.uuid4().hex}{pictures.EXTENSION}"
        width, height = self.picture_size
        data = pictures.picture(spec.silhouette, spec.colour, spec.designer.monogram, width, height)
        uploads.save(key, data, pictures.CONTENT_TYPE)
        self.catalog.attach_image(
            product_id, key=key, alt_text=spec.alt_text, actor_id=designer, acting_designer_id=designer
        )
        if publish:
            self.catalog.publish(product_id, actor_id=designer, acting_designer_id=designer)
        return product_id

    def seed_products(
        self,
        numbers: Iterable[int],
        designers: list[DesignerSpec],
        *,
        threads: int = 8,
        skip_existing: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> SeedResult:
        """Products `numbers` on `threads` threads, a few per thread queued at a time. With
        `skip_existing`, a product whose slug is taken (an earlier run with this tag) is passed over."""
        self.ensure_categories()
        result = SeedResult()
        numbers = iter(numbers)
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="seed") as pool:
            pending: dict[Future, ProductSpec] = {}

            def submit_next() -> bool:
                number = next(numbers, None)
                if number is None:
                    return False
                spec = self.plan(number, designers)
                if skip_existing and self.product_exists(spec.slug):
                    result.skipped += 1
                    if progress is not None:
                        progress(1)
                else:
                    pending[pool.submit(self.seed_product, spec)] = spec
                return True

            while len(pending) < threads * 4 and submit_next():
                pass
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    spec = pending.pop(future)
                    error = future.exception()
                    if error is None:
                        result.products += 1
                        result.variants += len(spec.variants)
                    else:
                        result.failed.append(f"{spec.slug}: {type(error).__name__}: {error}")
                        if len(result.failed) > 10 and result.products == 0:
                            raise error
                    if progress is not None:
                        progress(1)
                    submit_next()
        return result
