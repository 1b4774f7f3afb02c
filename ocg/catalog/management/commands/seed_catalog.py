import secrets
import string
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ocg.catalog.seeding.seeder import Seeder, designer_specs, seeding_application
from ocg.spine.eventstore import applications
from ocg.spine.projections import ProjectionRunner, get_projection

PROJECTION = "catalog"


def run_tag() -> str:
    """Five random letters and digits: a second run's slugs and SKUs never meet the first's."""
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(5))


def parse_picture_size(value: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in value.lower().split("x"))
    except ValueError:
        raise CommandError(f"--picture-size takes WIDTHxHEIGHT, e.g. 240x320, not {value!r}") from None
    if not (16 <= width <= 2000 and 16 <= height <= 2000):
        raise CommandError("--picture-size: each side 16 to 2000 pixels")
    return width, height


class Command(BaseCommand):
    help = (
        "Seed realistic fashion products through the catalog's commands: categories, designers, products with "
        "variants, stock and a picture, published. Each run adds new products (its tag is in their slugs and SKUs)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, required=True, help="how many products to add")
        parser.add_argument("--designers", type=int, default=12, help="designers they are spread over (default 12)")
        parser.add_argument("--seed", type=int, default=0, help="random seed of the content (default 0)")
        parser.add_argument("--tag", default=None, help="this run's tag in slugs and SKUs (default: random)")
        parser.add_argument("--threads", type=int, default=16, help="products seeded at once (default 16)")
        parser.add_argument("--picture-size", default="240x320", help="WIDTHxHEIGHT of the pictures (240x320)")
        parser.add_argument(
            "--no-project",
            action="store_true",
            help="leave the read models to a running run_projections instead of catching up here",
        )

    def handle(self, *args, products, designers, seed, tag, threads, picture_size, no_project, **options):
        if products < 1 or designers < 1 or threads < 1:
            raise CommandError("--products, --designers and --threads must be at least 1")
        tag = (tag or run_tag()).lower()
        if not tag.isalnum() or not tag.isascii() or len(tag) > 12:
            raise CommandError("--tag: 1 to 12 letters and digits")
        size = parse_picture_size(picture_size)
        catalog = seeding_application()
        try:
            seeder = Seeder(catalog, seed=seed, tag=tag, picture_size=size)
            people = designer_specs(designers)
            for designer in people:
                seeder.ensure_designer(designer)
            seeder.ensure_categories()
            started = time.perf_counter()
            with tqdm(total=products, unit="product", desc=f"seeding ({tag})", file=self.stderr._out) as bar:
                result = seeder.seed_products(range(products), people, threads=threads, progress=bar.update)
            seconds = time.perf_counter() - started
        finally:
            catalog.close()
        for failure in result.failed[:10]:
            self.stderr.write(f"failed: {failure}")
        self.stdout.write(
            f"{result.products} products ({result.variants} variants) by {designers} designers in {seconds:.1f} s "
            f"({result.products / seconds:.0f}/s), tag {tag}; {len(result.failed)} failed"
        )
        if not no_project:
            self.catch_up()
        if result.failed:
            raise CommandError(f"{len(result.failed)} products failed")

    def catch_up(self) -> None:
        projection = get_projection(PROJECTION)
        runner = ProjectionRunner(projection)
        head = applications.get("catalog").recorder.max_notification_id() or 0
        start = runner.position("catalog")
        started = time.perf_counter()
        with tqdm(total=head - start, unit="event", desc="read models", file=self.stderr._out) as bar:
            reached = [start]

            def advanced(source: str, position: int) -> None:
                bar.update(position - reached[0])
                reached[0] = position

            runner.on_batch = advanced
            applied = runner.catch_up()
        seconds = time.perf_counter() - started
        self.stdout.write(f"read models: {applied} events in {seconds:.1f} s, up to position {head}")
