"""The synthetic customs world: realistic declarations, labels, events, trade flows and seizures,
with a ground truth, for developing and benchmarking every other room without real data."""

from clearsight.synth.world import World, generate_world
from clearsight.synth.write import write_world

__all__ = ["World", "generate_world", "write_world"]
