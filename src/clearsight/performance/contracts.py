"""Performance measurement contracts: what an office (or a team of its officers) commits to, for which
period, measured how.

A contract is a YAML document::

    id: msa-2024
    title: Mombasa sea port, 2024
    office: KESEA01            # an office id, or "all" for the whole administration
    team: Long room A          # optional: a team, with its officers
    officers: [KESEA01-O001, KESEA01-O002]
    period: {from: 2024-01, to: 2024-12}
    tfa_target_hours: 48       # the release-time target the TFA share is measured against
    signatory: {name: A. Director, title: Commissioner of Customs}
    indicators:                # indicator: target (see INDICATORS for the direction of each)
      median_release_h: 24
      hit_rate: 0.15

Contracts live as files in the workspace (``<home>/performance/contracts/<id>.yaml``), each change
keeping the version it replaces under ``history/`` and writing an audit entry (who, when, the file's
SHA-256): a contract is a document people read, sign, compare and keep under version control, and
the audit log says who changed it. A file with a problem is refused whole, with its path, line and key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from clearsight.core.errors import UserError
from clearsight.core.yaml_text import parse_yaml

#: indicator -> (label, direction, unit). ``at_most``: the value meets its target when it is lower.
INDICATORS: dict[str, tuple[str, str, str]] = {
    "median_release_h": ("Median release time", "at_most", "hours"),
    "p90_release_h": ("90th-percentile release time", "at_most", "hours"),
    "within_tfa_target": ("Released within the TFA target", "at_least", "share"),
    "red_share": ("Share of declarations in the red lane", "at_most", "share"),
    "yellow_share": ("Share of declarations in the yellow lane", "at_most", "share"),
    "hit_rate": ("Hit rate of controls", "at_least", "share"),
    "revenue_per_control": ("Revenue recovered per control", "at_least", "money"),
    "random_noncompliance": ("Non-compliance found by random control", "at_most", "share"),
    "quality_flagged_share": ("Declaration rows with a data-quality flag", "at_most", "share"),
}
#: Indicators that mean something for a team or officers (their controls), not only for an office.
OFFICER_INDICATORS = frozenset({"median_release_h", "p90_release_h", "within_tfa_target", "hit_rate",
                                "revenue_per_control"})
ALL_OFFICES = "all"
KEYS = {"id", "title", "office", "team", "officers", "period", "tfa_target_hours", "signatory", "indicators"}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Target:
    indicator: str
    target: float

    @property
    def label(self) -> str:
        return INDICATORS[self.indicator][0]

    @property
    def direction(self) -> str:
        return INDICATORS[self.indicator][1]

    @property
    def unit(self) -> str:
        return INDICATORS[self.indicator][2]

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value <= self.target if self.direction == "at_most" else value >= self.target


@dataclass(frozen=True)
class Contract:
    id: str
    title: str
    office: str
    first_month: dt.date
    last_month: dt.date
    targets: tuple[Target, ...]
    team: str | None = None
    officers: tuple[str, ...] = ()
    tfa_target_hours: float = 48.0
    signatory: dict[str, str] = field(default_factory=dict)

    @property
    def scope(self) -> str:
        where = "all offices" if self.office == ALL_OFFICES else f"office {self.office}"
        return f"{self.team or 'team'} ({len(self.officers)} officers), {where}" if self.officers else where

    def months(self) -> list[str]:
        out, m = [], self.first_month
        while m <= self.last_month:
            out.append(f"{m:%Y-%m}")
            m = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return out

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "office": self.office, "team": self.team,
            "officers": list(self.officers), "scope": self.scope,
            "period": {"from": f"{self.first_month:%Y-%m}", "to": f"{self.last_month:%Y-%m}"},
            "tfa_target_hours": self.tfa_target_hours, "signatory": self.signatory,
            "indicators": [{"indicator": t.indicator, "label": t.label, "direction": t.direction,
                            "unit": t.unit, "target": t.target} for t in self.targets],
        }


def _month(value: Any, where: str) -> dt.date:
    m = _MONTH.match(str(value)) if value is not None else None
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise UserError(f"{where}: a month is written YYYY-MM (e.g. 2024-01), got {value!r}")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def _line(node: yaml.Node | None, *path: str) -> int | None:
    """Line (1-based) of the value at ``path`` in a composed YAML mapping, or of the nearest parent."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in path:
        if not isinstance(node, yaml.MappingNode):
            break
        found = next((v for k, v in node.value if k.value == key), None)
        if found is None:
            break
        node, line = found, found.start_mark.line + 1
    return line


def contract_of(data: Any, source: str, node: yaml.Node | None = None) -> Contract:
    """A checked contract from parsed YAML; a UserError names ``source``, the line and the key."""

    def where(*path: str) -> str:
        line = _line(node, *path)
        return f"{source}{f' line {line}' if line else ''}" + (f", {'.'.join(path)}" if path else "")

    if not isinstance(data, dict):
        raise UserError(f"{where()}: a contract is a mapping of fields (id, office, period, indicators, ...)")
    unknown = sorted(set(map(str, data)) - KEYS)
    if unknown:
        raise UserError(f"{where(unknown[0])}: unknown field {unknown[0]!r}; fields: {', '.join(sorted(KEYS))}")
    for key in ("id", "office", "period", "indicators"):
        if data.get(key) in (None, "", {}, []):
            raise UserError(f"{where()}: {key} is required")
    cid = str(data["id"])
    if not _ID.match(cid):
        raise UserError(f"{where('id')}: an id is letters, digits, '.', '_' or '-' (at most 64), got {cid!r}")
    period = data["period"]
    if not isinstance(period, dict) or set(period) != {"from", "to"}:
        raise UserError(f"{where('period')}: period is {{from: YYYY-MM, to: YYYY-MM}}")
    first, last = _month(period["from"], where("period", "from")), _month(period["to"], where("period", "to"))
    if first > last:
        raise UserError(f"{where('period')}: the period starts ({first:%Y-%m}) after it ends ({last:%Y-%m})")
    officers = data.get("officers") or []
    if not isinstance(officers, list) or not all(isinstance(o, str) and o for o in officers):
        raise UserError(f"{where('officers')}: officers is a list of officer ids")
    indicators = data["indicators"]
    if not isinstance(indicators, dict):
        raise UserError(f"{where('indicators')}: indicators is a mapping indicator: target")
    targets = []
    for name, target in indicators.items():
        if name not in INDICATORS:
            raise UserError(f"{where('indicators', str(name))}: unknown indicator {name!r}; "
                            f"indicators: {', '.join(INDICATORS)}")
        if officers and name not in OFFICER_INDICATORS:
            raise UserError(f"{where('indicators', name)}: {name} measures an office, not a team's controls; "
                            f"a team's contract may hold {', '.join(sorted(OFFICER_INDICATORS))}")
        if isinstance(target, bool) or not isinstance(target, int | float) or target < 0:
            raise UserError(f"{where('indicators', name)}: a target is a number (0 or more), got {target!r}")
        if INDICATORS[name][2] == "share" and target > 1:
            raise UserError(f"{where('indicators', name)}: {name} is a share between 0 and 1 "
                            f"(e.g. 0.05 for 5 %), got {target}")
        targets.append(Target(name, float(target)))
    tfa = data.get("tfa_target_hours", 48)
    if isinstance(tfa, bool) or not isinstance(tfa, int | float) or tfa <= 0:
        raise UserError(f"{where('tfa_target_hours')}: a positive number of hours, got {tfa!r}")
    signatory = data.get("signatory") or {}
    if not isinstance(signatory, dict):
        raise UserError(f"{where('signatory')}: signatory is {{name: ..., title: ...}}")
    return Contract(
        id=cid, title=str(data.get("title") or cid), office=str(data["office"]), first_month=first,
        last_month=last, targets=tuple(targets), team=data.get("team"), officers=tuple(officers),
        tfa_target_hours=float(tfa), signatory={str(k): str(v) for k, v in signatory.items()},
    )


def parse_contract(text: str, source: str) -> Contract:
    """A contract from YAML text (``source`` names it in messages: a path, or "the portal form")."""
    data, node = parse_yaml(text, source)
    return contract_of(data, source, node)


def load_contract_file(path: Path) -> Contract:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    return parse_contract(text, str(path))


def list_contracts(folder: Path) -> list[Contract]:
    """Every contract saved in the workspace, by id."""
    if not folder.is_dir():
        return []
    return [load_contract_file(p) for p in sorted(folder.glob("*.yaml"))]


def get_contract(folder: Path, contract_id: str) -> Contract:
    path = folder / f"{contract_id}.yaml"
    if not _ID.match(contract_id) or not path.is_file():
        known = ", ".join(c.id for c in list_contracts(folder)) or "none saved yet (clearsight pmc save FILE)"
        raise UserError(f"no contract {contract_id!r}; contracts: {known}")
    return load_contract_file(path)


def save_contract(folder: Path, text: str, source: str, *, store: Any = None, actor: str = "", role: str = "",
                  client: str = "") -> tuple[Contract, Path]:
    """Check ``text`` and save it as the contract's file; the version it replaces goes to ``history/``.
    With the app ``store``, an audit entry records who saved which version (its SHA-256)."""
    contract = parse_contract(text, source)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{contract.id}.yaml"
    previous = None
    if path.is_file():
        old = path.read_bytes()
        previous = hashlib.sha256(old).hexdigest()
        history = folder / "history"
        history.mkdir(exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        (history / f"{contract.id}-{stamp}.yaml").write_bytes(old)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}-")  # a reader never sees half a contract
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
    if store is not None:
        from clearsight.access import record

        record(store, actor=actor, role=role, action="pmc.contract.save", resource=f"contract:{contract.id}",
               filter={"sha256": hashlib.sha256(text.encode()).hexdigest(), "replaces": previous, "source": source},
               rows=1, client=client)
    return contract, path
