"""Placeholder until the feature lands."""

from typing import Any

ROUTES: list[Any] = []
