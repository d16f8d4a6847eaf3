"""Selectivity: lane decisions. Lanes from scores within budgets, rule hits, random control and
exploration, for a window of declarations (``select``) or one declaration in real time, stored
selections and their report."""
