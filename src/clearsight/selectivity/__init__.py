"""Selectivity: lanes from scores, rule profiles, budgets, random control, exploration, feedback,
drift and the simulator that shows whether the feedback loop pays off."""
