"""The simulation lab: replay random, rule, model and model+exploration selection week by week on a
synthetic world with ground truth, each strategy learning only from what it inspects, and compare the
revenue found with an oracle (``clearsight simulate``). It reuses the synthetic world's legacy rules
(:mod:`clearsight.synth.control`) and the risk engine's training (:mod:`clearsight.risk.engine`). The
function ``simulate`` stays in :mod:`clearsight.lab.simulate` (its name is the submodule's);
:class:`Simulation` is the same run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.core.exports import lazy_exports

if TYPE_CHECKING:
    from clearsight.lab.html import write_html
    from clearsight.lab.simulate import (
        STRATEGIES,
        Simulation,
        SimulationResult,
        SimWorld,
        generated_world,
        read_world,
    )

__all__ = [
    "STRATEGIES",
    "SimWorld",
    "Simulation",
    "SimulationResult",
    "generated_world",
    "read_world",
    "write_html",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "write_html": "html",
        "STRATEGIES": "simulate",
        "SimWorld": "simulate",
        "SimulationResult": "simulate",
        "generated_world": "simulate",
        "read_world": "simulate",
        "Simulation": "simulate",
    },
)
