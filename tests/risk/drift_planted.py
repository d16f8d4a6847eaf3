"""A small synthetic world with drift planted in its last weeks, shared by the drift tests.

20 weeks of about 1,500 items; from ``PLANTED_FROM`` on, every customs value is multiplied by
``VALUE_FACTOR`` and every item travels by air. Duty rates, HS chapters and origins are left alone.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from clearsight.core.warehouse import Warehouse, connect
from feedback_world import copy, world_file

__all__ = ["PLANTED_FROM", "TRAIN_UNTIL", "copy", "planted_file", "planted_world_json", "train_model"]

PLANTED_FROM = dt.datetime(2024, 4, 29)  # the last three weeks (weeks 18-20)
TRAIN_UNTIL = dt.datetime(2024, 4, 1)
VALUE_FACTOR = 4.0


def plant(wh: Warehouse) -> None:
    """Customs values × VALUE_FACTOR and mode 'air' for items lodged from PLANTED_FROM (in place)."""
    d = wh.table("declarations")
    late = d.lodged_at >= PLANTED_FROM
    changed = d.mutate(
        customs_value=late.ifelse(d.customs_value * VALUE_FACTOR, d.customs_value),
        mode_of_transport=late.ifelse("air", d.mode_of_transport),
    )
    wh.replace("declarations", changed.to_pyarrow())


def _world(tmp_path_factory) -> Path:
    return world_file(tmp_path_factory, "20-weeks", items=30_000, days=140, seed=11)


def planted_world_json(tmp_path_factory) -> Path:
    """The world's own description (``world.json``: its recorded effects, such as the port closure)."""
    return _world(tmp_path_factory).parent / "world" / "world.json"


def planted_file(tmp_path_factory) -> Path:
    """The world's warehouse file with the drift planted, built once per test run."""
    folder = tmp_path_factory.getbasetemp() / "drift-planted"
    path = folder / "warehouse.duckdb"
    done = folder / ".done"
    if done.exists():
        return path
    folder.mkdir(exist_ok=True)
    shutil.copyfile(_world(tmp_path_factory), path)
    wh = connect(f"duckdb://{path}")
    try:
        plant(wh)
    finally:
        wh.close()
    done.touch()
    return path


def train_model(wh: Warehouse, models_dir: Path, name: str = "drift-model") -> None:
    """A small promoted model trained on labels known before TRAIN_UNTIL."""
    from clearsight.risk.engine import train
    from clearsight.risk.registry import ModelRegistry

    train(
        wh,
        ModelRegistry(models_dir),
        until=TRAIN_UNTIL,
        name=name,
        promote=True,
        model_params={"n_estimators": 30},
    )
