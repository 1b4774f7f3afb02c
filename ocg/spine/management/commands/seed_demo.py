from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ocg.catalog import queries
from ocg.identity.models import Role, User
from ocg.spine.eventstore import applications
from ocg.spine.projections import ProjectionRunner, get_projection

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - demo data, refused unless DEBUG
DEMO_ACCOUNTS = [
    ("admin@demo.ocg", Role.ADMIN),
    ("designer@demo.ocg", Role.DESIGNER),
    ("customer@demo.ocg", Role.CUSTOMER),
]
DEMO_PRODUCTS = [
    ("Silk Evening Gown", "2400.00", "EUR"),
    ("Cashmere Overcoat", "1850.00", "EUR"),
    ("Hand-stitched Leather Tote", "960.00", "EUR"),
    ("Pleated Wool Trousers", "540.00", "EUR"),
    ("Embroidered Organza Blouse", "780.00", "EUR"),
    ("Tailored Linen Blazer", "1120.00", "EUR"),
]


class Command(BaseCommand):
    help = "Create the demo accounts and a small demo catalog (once; safe to run again)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts have a published password: seed_demo runs only with DEBUG=1.")
        for email, role in DEMO_ACCOUNTS:
            if not User.objects.filter(email=email).exists():
                if role == Role.ADMIN:
                    User.objects.create_superuser(email, DEMO_PASSWORD)
                else:
                    User.objects.create_user(email, DEMO_PASSWORD, role=role)
        catalog = applications.get("catalog")
        if not catalog.recorder.max_notification_id():
            designer = User.objects.get(email="designer@demo.ocg")
            for name, price, currency in DEMO_PRODUCTS:
                catalog.create_product(name=name, price=Decimal(price), currency=currency, designer_id=designer.id)
        ProjectionRunner(get_projection("catalog_products")).catch_up()
        self.stdout.write(f"demo catalog: {queries.product_count()} products")
