"""python manage.py search_index --rebuild [--if-empty] [--model products.product ...]"""

from django.core.management.base import BaseCommand, CommandError

from core.searching import declaration_named, declarations

from ... import services
from ...backends import get_backend


class Command(BaseCommand):
    help = (
        "Rebuild the search index of every searchable model (or of --model ones), in "
        "batches, each model's new index replacing the old one at once; or show how many "
        "records each model's index holds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Index every record afresh.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="With --rebuild: only the models whose index is empty while they have records "
            "(a new installation, or the search added to an existing one).",
        )
        parser.add_argument(
            "--model",
            action="append",
            default=[],
            metavar="LABEL",
            help='A model to rebuild ("products.product" or "product"); repeatable.',
        )

    def handle(self, *args, rebuild=False, model=(), if_empty=False, **options):
        chosen = []
        for name in model:
            declaration = declaration_named(name.lower())
            if declaration is None:
                known = ", ".join(each.label for each in declarations())
                raise CommandError(f"{name} is not searchable. Searchable models: {known}.")
            chosen.append(declaration)
        chosen = chosen or declarations()
        backend = get_backend()
        for declaration in chosen:
            if not rebuild:
                self.stdout.write(f"{declaration.label}: {backend.count(declaration)} indexed")
                continue
            total = declaration.model._default_manager.count()
            if if_empty and (total == 0 or backend.count(declaration) > 0):
                continue

            def progress(done, label=declaration.label, total=total):
                self.stdout.write(f"{label}: {done}/{total}")

            indexed = services.rebuild(declaration, progress)
            self.stdout.write(self.style.SUCCESS(f"{declaration.label}: {indexed} indexed"))
