"""Assertions on the contract's error bodies."""

from __future__ import annotations

from typing import Any


def assert_validation_error(response: Any, *expected: tuple[list[Any], str]) -> None:
    """A 422 whose items are exactly ``expected`` as (loc, type) pairs, each with a sentence."""
    assert response.status_code == 422, response.content
    items = response.json()["detail"]
    assert [(item["loc"], item["type"]) for item in items] == list(expected)
    for item in items:
        assert set(item) == {"loc", "msg", "type"}
        assert isinstance(item["msg"], str)
        assert item["msg"]


def assert_domain_error(response: Any, status: int, detail: str) -> None:
    assert response.status_code == status, response.content
    assert response.json() == {"detail": detail}
