"""HS classification: the HS 2022 nomenclature, a classifier of goods descriptions, declared-vs-predicted checks."""
