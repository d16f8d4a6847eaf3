"""The model registry: one folder per trained model under ``<home>/models/``, plus a registry file.

A model folder holds the LightGBM model files (text), ``model.json`` (hyper-parameters, features,
calibration, training window, data fingerprint, metrics). ``models/registry.json`` lists the models
and names the promoted one (used for scoring). The registry is a small class behind one file so it
can move to the app store (SQLAlchemy) without its callers changing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from clearsight.core.errors import UserError
from clearsight.core.files import write_json_atomic

if TYPE_CHECKING:  # LightGBM is loaded with the first model read, not with the registry
    from clearsight.risk.model import RiskModel

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass
class ModelEntry:
    """One registry row."""

    name: str
    created_at: str
    objective: str
    trained_from: str | None
    trained_until: str | None
    n_train: int
    n_fraud: int
    fingerprint: str
    revenue_basis: str
    metrics: dict = field(default_factory=dict)
    engine: str = ""


class ModelRegistry:
    """Models saved under ``models_dir``; ``promoted`` names the one scoring uses."""

    def __init__(self, models_dir: Path) -> None:
        self.dir = Path(models_dir)
        #: The registry file (scoring watches it: a promotion applies at the next call).
        self.path = self.dir / "registry.json"

    # -- the registry file ------------------------------------------------------------------------
    def _read(self) -> dict:
        path = self.path
        if not path.exists():
            return {"promoted": None, "models": []}
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise UserError(f"{path} is not valid JSON ({exc}); fix or delete it") from None

    def _write(self, data: dict) -> None:
        write_json_atomic(self.path, data, indent=2)

    def entries(self) -> list[ModelEntry]:
        return [ModelEntry(**m) for m in self._read()["models"]]

    def promoted(self) -> str | None:
        return self._read()["promoted"]

    def entry(self, name: str) -> ModelEntry:
        for e in self.entries():
            if e.name == name:
                return e
        known = ", ".join(e.name for e in self.entries()) or "none yet (run `clearsight risk train`)"
        raise UserError(f"no model called {name!r}; models: {known}")

    # -- models -----------------------------------------------------------------------------------
    def save(
        self, entry: ModelEntry, model: RiskModel, extra: dict | None = None, promote: bool = False
    ) -> Path:
        """Write the model folder and its registry row (refuses an existing name)."""
        if not NAME.match(entry.name):
            raise UserError(
                f"model name {entry.name!r} must be 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit)"
            )
        data = self._read()
        if any(m["name"] == entry.name for m in data["models"]):
            raise UserError(f"a model called {entry.name!r} already exists; choose another --name")
        folder = self.dir / entry.name
        tmp = self.dir / f".{entry.name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for fname, text in model.to_files().items():
            (tmp / fname).write_text(text, encoding="utf-8")
        meta = {"entry": asdict(entry), "model": model.state(), **(extra or {})}
        (tmp / "model.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        (tmp / "features.json").write_text(
            json.dumps(model.builder_.feature_names_, indent=2), encoding="utf-8"
        )
        (tmp / "metrics.json").write_text(json.dumps(entry.metrics, indent=2), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
        data["models"].append(asdict(entry))
        if promote or data["promoted"] is None:
            data["promoted"] = entry.name
        self._write(data)
        return folder

    def promote(self, name: str) -> ModelEntry:
        entry = self.entry(name)
        data = self._read()
        data["promoted"] = name
        self._write(data)
        return entry

    def load(self, name: str | None = None) -> tuple[ModelEntry, RiskModel]:
        """The named model, or the promoted one."""
        name = name or self.promoted()
        if name is None:
            raise UserError("no model has been trained yet: run `clearsight risk train` first")
        entry = self.entry(name)
        folder = self.dir / name
        try:
            meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
            files = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.lgb.txt")}
        except (OSError, json.JSONDecodeError) as exc:
            raise UserError(f"model {name!r} in {folder} cannot be read: {exc}") from None
        from clearsight.risk.model import RiskModel

        return entry, RiskModel.from_state(meta["model"], files)
