"""Showing option-list values in templates: ``{% load dictionaries %}``.

``{{ customer.source|option_label:"customer_source" }}`` prints the label in the active
language (a disabled item still has its label); ``{% option_badge "customer_level" value %}``
prints it as a coloured badge when the item has a colour.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from huike.core import dictionaries

register = template.Library()


@register.filter
def option_label(value, code: str) -> str:
    return dictionaries.label(code, value)


@register.simple_tag
def option_badge(code: str, value) -> str:
    found = dictionaries.option(code, value)
    if found is None:
        return format_html("{}", value or "")
    if not found.color:
        return format_html("{}", found.label)
    return format_html('<span class="badge bg-{}-lt">{}</span>', found.color, found.label)
