from django.core.management.base import BaseCommand

from rbac.roles import sync_default_roles


class Command(BaseCommand):
    help = "Give the default roles the permissions of their definition they lack (none removed)."

    def handle(self, *args, **options):
        for role, count in sync_default_roles().items():
            self.stdout.write(f"{role}: {count} permission(s) added")
