"""The risk engine: point-in-time features, calibrated fraud and revenue models, budget-based
evaluation against baselines, explanations in words, a model registry and the scoring entry point
(:class:`clearsight.risk.scorer.RiskScorer`)."""
