"""Placeholder until this concern's pages land."""

from __future__ import annotations


def urls(rt):
    return []
