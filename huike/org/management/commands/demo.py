from django.core.management.base import BaseCommand

from huike.org.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo company 汇客科技 (idempotent)."

    def handle(self, *args, **options):
        load_demo()
        self.stdout.write(f"Demo company loaded; every demo password is {DEMO_PASSWORD}")
