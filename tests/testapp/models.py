from django.conf import settings
from django.db import models


class Memo(models.Model):
    """A record type for tests of the generic machinery: an owner, a share (a single-valued
    scope extension), watchers (a many-valued one) and two fields for field rules."""

    title = models.CharField(max_length=100)
    phone = models.CharField(max_length=20, blank=True)
    secret = models.CharField(max_length=50, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shared_with = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    watchers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    def __str__(self) -> str:
        return self.title
