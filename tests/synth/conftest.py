"""One small world per test session: generating is cheap, but not free on a 2-core machine."""

from __future__ import annotations

import pytest

from clearsight.synth import World, generate_world, write_world

ITEMS = 20_000
SEED = 11


@pytest.fixture(scope="session")
def world() -> World:
    return generate_world(ITEMS, SEED)


@pytest.fixture(scope="session")
def world_dir(world, tmp_path_factory):
    """The session's world written as CSV."""
    out = tmp_path_factory.mktemp("world")
    write_world(world, out, "csv")
    return out
