"""Create the demo accounts and demo data when they are absent.

Idempotent: existing records are left as they are, so it runs on every `make run`.
Reference data (currencies, units, jurisdictions, ...) comes with the migrations; the
demo adds what a business would enter itself: a product category tree, tax rates.
"""

import datetime
from decimal import Decimal

from crum import impersonate
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from api.v1.base_models.auth.models import UserAPIKey
from api.v1.base_models.common.choices import CategoryType, TaxType
from api.v1.base_models.common.models import Address, Category, TaxRate
from api.v1.base_models.contact.models import Contact, ContactAddress, ContactEmailAddress
from api.v1.base_models.organization.models import Organization, OrganizationMembership
from api.v1.features.chat import services as chat
from api.v1.features.chat.choices import RoomType
from api.v1.features.chat.models import ChatRoom
from api.v1.features.inventory.choices import LocationType, WarehouseType
from api.v1.features.inventory.models import StockLocation, Warehouse
from api.v1.features.products.choices import ProductType
from api.v1.features.products.models import Product
from core.workflows import run_transition
from notifications.choices import NotificationLevel
from notifications.models import Notification
from notifications.services import send_notification

User = get_user_model()

DEMO_API_KEY_NAME = "Demo integration"

DEMO_USERS = [
    {
        "username": "admin",
        "password": "admin",
        "email": "admin@example.com",
        "first_name": "Ada",
        "last_name": "Admin",
        "is_staff": True,
        "is_superuser": True,
        "profile": {"job_title": "Administrator", "employee_id": "DEMO-0001"},
    },
    {
        "username": "demo",
        "password": "demo",
        "email": "demo@example.com",
        "first_name": "Dana",
        "last_name": "Demo",
        "profile": {
            "job_title": "Sales Representative",
            "employee_id": "DEMO-0002",
            "phone_number": "+14155552671",
            "timezone": "Europe/Paris",
            "manager": "admin",
        },
    },
    {
        "username": "sam",
        "password": "sam",
        "email": "sam@example.com",
        "first_name": "Sam",
        "last_name": "Seller",
        "profile": {"job_title": "Sales Assistant", "employee_id": "DEMO-0003", "manager": "demo"},
    },
]
# The demo organization's chat channel and its first messages (sender, text).
DEMO_CHANNEL = "general"
DEMO_MESSAGES = [
    ("demo", "Welcome to the team chat!"),
    ("sam", "Thanks! The Berlin order shipped this morning."),
]

# (name, parent name): product categories.
DEMO_CATEGORIES = [
    ("Furniture", None),
    ("Chairs", "Furniture"),
    ("Office Chairs", "Chairs"),
    ("Desks", "Furniture"),
    ("Electronics", None),
    ("Laptops", "Electronics"),
]
# (jurisdiction, tax category, name, rate, type, valid from)
DEMO_TAX_RATES = [
    ("US-CA", "standard", "California State Sales Tax", "0.0725", TaxType.SALES, (2017, 1, 1)),
    ("FR", "standard", "France VAT (standard)", "0.20", TaxType.VAT, (2014, 1, 1)),
    ("FR", "reduced", "France VAT (reduced)", "0.055", TaxType.VAT, (2014, 1, 1)),
    ("DE", "standard", "Germany VAT (standard)", "0.19", TaxType.VAT, (2021, 1, 1)),
]

DEMO_ORGANIZATION = {"code": "DEMO", "name": "Demo Company", "organization_type_id": "Company"}
DEMO_DEPARTMENT = {"code": "DEMO-SALES", "name": "Sales", "organization_type_id": "Department"}
# (sku, name, category, type, unit, tags, transitions to run)
DEMO_PRODUCTS = [
    (
        "CHR-001",
        "Ergonomic Office Chair",
        "Office Chairs",
        ProductType.PHYSICAL_GOOD,
        "EA",
        ["ergonomic", "bestseller"],
        ["activate"],
    ),
    ("DSK-001", "Standing Desk", "Desks", ProductType.PHYSICAL_GOOD, "EA", ["ergonomic"], []),
    (
        "LTP-014",
        'Laptop 14"',
        "Laptops",
        ProductType.PHYSICAL_GOOD,
        "EA",
        [],
        ["activate", "discontinue"],
    ),
    (
        "SRV-SETUP",
        "Workstation Setup",
        "Electronics",
        ProductType.SERVICE,
        "H",
        ["service"],
        ["activate"],
    ),
]
# (type, level, title, message, the SKU of the product it is about or None): what the
# demo user has been told, by the admin.
DEMO_NOTIFICATIONS = [
    (
        "welcome",
        NotificationLevel.SUCCESS,
        "Welcome to Demo Company",
        "You administer the demo organization: its products, contacts and warehouse.",
        None,
    ),
    (
        "product_changed",
        NotificationLevel.INFO,
        "Ergonomic Office Chair is on sale",
        "It was activated: customers can order it now.",
        "CHR-001",
    ),
    (
        "product_changed",
        NotificationLevel.WARNING,
        'Laptop 14" was discontinued',
        "Sell the remaining stock; it will not be reordered.",
        "LTP-014",
    ),
]
DEMO_WAREHOUSE = {
    "code": "WH-MAIN",
    "name": "Main Warehouse",
    "warehouse_type": WarehouseType.DISTRIBUTION_CENTER,
    "address": {"street_address_1": "1 Dock Road", "city": "Rotterdam", "country": "NL"},
    "tags": ["main"],
}
# (name, parent name, type, barcode): the demo warehouse's locations.
DEMO_LOCATIONS = [
    ("Zone A", None, LocationType.ZONE, ""),
    ("Aisle A1", "Zone A", LocationType.AISLE, ""),
    ("Bin A1-01", "Aisle A1", LocationType.BIN, "0000101"),
    ("Bin A1-02", "Aisle A1", LocationType.BIN, "0000102"),
    ("Dock 1", None, LocationType.DOCK, ""),
]
DEMO_CONTACTS = [
    ("Grace", "Hopper", "grace@example.com", "US", "Arlington"),
    ("Alan", "Turing", "alan@example.com", "GB", "Manchester"),
]


class Command(BaseCommand):
    help = "Create the demo superuser, a demo user and demo data if they do not exist."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DEBUG is off (the demo passwords are public).",
        )

    @transaction.atomic
    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to create demo accounts with DEBUG off: their passwords are public. "
                "Use --force to do it anyway."
            )
        for spec in DEMO_USERS:
            self._ensure_user(dict(spec))
        self.stdout.write(self.style.SUCCESS("Demo accounts (username / password):"))
        for spec in DEMO_USERS:
            role = "superuser, Admin at /admin/" if spec.get("is_superuser") else "user"
            self.stdout.write(f"  {spec['username']} / {spec['password']}  ({role})")
        self._ensure_api_key(User.objects.get(username="demo"))
        with impersonate(User.objects.get(username="admin")):
            self._ensure_categories()
            self._ensure_tax_rates()
            company = self._ensure_organizations(User.objects.get(username="demo"))
            self._ensure_products(company)
            self._ensure_warehouse(company)
            self._ensure_notifications(company, User.objects.get(username="demo"))
            self._ensure_chat(company)
        self.stdout.write(
            f"Demo data: {len(DEMO_CATEGORIES)} product categories "
            f"(/api/v1/categories/tree/PRODUCT/), {len(DEMO_TAX_RATES)} tax rates, "
            f"organization {company.code} (id {company.pk}) with a department, "
            f"{len(DEMO_CONTACTS)} contacts, {len(DEMO_PRODUCTS)} products and a warehouse "
            f"with {len(DEMO_LOCATIONS)} stock locations; 'demo' administers it (with 'sam', a "
            f"member, in its #{DEMO_CHANNEL} chat channel) and has "
            f"{len(DEMO_NOTIFICATIONS)} notifications."
        )

    def _ensure_organizations(self, member):
        company, _ = Organization.objects.get_or_create(
            code=DEMO_ORGANIZATION["code"], defaults=DEMO_ORGANIZATION
        )
        department, _ = Organization.objects.get_or_create(
            code=DEMO_DEPARTMENT["code"], defaults={**DEMO_DEPARTMENT, "parent": company}
        )
        administrator = Group.objects.get(name="Organization Administrator")
        for organization in (company, department):
            OrganizationMembership.objects.get_or_create(
                user=member, organization=organization, defaults={"role": administrator}
            )
        OrganizationMembership.objects.get_or_create(
            user=User.objects.get(username="sam"),
            organization=company,
            defaults={"role": Group.objects.get(name="Organization Member")},
        )
        for first_name, last_name, email, country, city in DEMO_CONTACTS:
            contact, created = Contact.objects.get_or_create(
                organization=company, first_name=first_name, last_name=last_name
            )
            if created:
                ContactEmailAddress.objects.create(contact=contact, email=email)
                ContactAddress.objects.create(
                    contact=contact, address=Address.objects.create(country=country, city=city)
                )
        return company

    def _ensure_chat(self, company):
        if ChatRoom.objects.filter(organization=company, name=DEMO_CHANNEL).exists():
            return
        users = {user.username: user for user in User.objects.filter(username__in=["demo", "sam"])}
        channel = chat.create_room(
            company, users["demo"], RoomType.CHANNEL, DEMO_CHANNEL, {users["sam"].pk}
        )
        for sender, text in DEMO_MESSAGES:
            chat.post_message(channel, users[sender], content=text)

    def _ensure_products(self, company):
        for sku, name, category, product_type, unit, tags, transitions in DEMO_PRODUCTS:
            product, created = Product.objects.get_or_create(
                organization=company,
                sku=sku,
                defaults={
                    "name": name,
                    "description": f"Demo product: {name}.",
                    "product_type": product_type,
                    "category": Category.objects.get(
                        name=category, category_type=CategoryType.PRODUCT
                    ),
                    "base_uom_id": unit,
                    "is_inventory_tracked": product_type == ProductType.PHYSICAL_GOOD,
                },
            )
            if created:
                product.tags.set(tags)
                for name in transitions:
                    run_transition(product, name)

    def _ensure_warehouse(self, company):
        spec = dict(DEMO_WAREHOUSE)
        address, tags = spec.pop("address"), spec.pop("tags")
        warehouse, created = Warehouse.objects.get_or_create(
            organization=company, code=spec.pop("code"), defaults=spec
        )
        if not created:
            return
        warehouse.address = Address.objects.create(**address)
        warehouse.save(update_fields=["address"])
        warehouse.tags.set(tags)
        locations = {}
        for name, parent, location_type, barcode in DEMO_LOCATIONS:
            locations[name] = StockLocation.objects.create(
                warehouse=warehouse,
                parent=locations.get(parent),
                name=name,
                location_type=location_type,
                barcode=barcode,
            )

    def _ensure_notifications(self, company, user):
        if Notification.objects.filter(recipient=user).exists():
            return
        admin = User.objects.get(username="admin")
        for type_code, level, title, message, sku in DEMO_NOTIFICATIONS:
            target = Product.objects.get(organization=company, sku=sku) if sku else None
            send_notification(
                user,
                type_code,
                title,
                message,
                level=level,
                target=target,
                organization=company,
                actor=admin,
                action_url=f"/api/v1/products/{target.pk}/" if target else "",
                action_text="View the product" if target else "",
            )

    def _ensure_categories(self):
        created = {}
        for name, parent_name in DEMO_CATEGORIES:
            created[name], _ = Category.objects.get_or_create(
                name=name, category_type=CategoryType.PRODUCT, parent=created.get(parent_name)
            )

    def _ensure_tax_rates(self):
        for jurisdiction, category, name, rate, tax_type, valid_from in DEMO_TAX_RATES:
            TaxRate.objects.get_or_create(
                jurisdiction_id=jurisdiction,
                name=name,
                defaults={
                    "tax_category_id": category,
                    "rate": Decimal(rate),
                    "tax_type": tax_type,
                    "valid_from": datetime.date(*valid_from),
                },
            )

    def _ensure_api_key(self, user):
        if UserAPIKey.objects.filter(user=user, name=DEMO_API_KEY_NAME).exists():
            self.stdout.write(
                f"Demo API key of '{user.username}' exists (its key was shown when it was "
                "created; create another in the Admin under API keys)."
            )
            return
        _api_key, key = UserAPIKey.objects.create_key(user=user, name=DEMO_API_KEY_NAME)
        self.stdout.write(self.style.SUCCESS(f"Demo API key of '{user.username}' (shown once):"))
        self.stdout.write(f"  X-API-Key: {key}")

    def _ensure_user(self, spec):
        profile_fields = dict(spec.pop("profile", {}))
        password = spec.pop("password")
        user, created = User.objects.get_or_create(username=spec.pop("username"), defaults=spec)
        if not created:
            return
        user.set_password(password)
        user.save(update_fields=["password"])
        profile = user.profile
        if manager := profile_fields.pop("manager", None):
            profile.manager = User.objects.get(username=manager)
        for name, value in profile_fields.items():
            setattr(profile, name, value)
        profile.save()
