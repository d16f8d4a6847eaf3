"""Rule profiles: criteria that send items to a lane (a YAML or command-line rule, checked once),
their evaluation in the warehouse (:class:`RuleSet`) and on one declaration (:class:`RowRules`), and
their store in the app store (``clearsight rules add``, ``list``, ``disable``, ``stats``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.core.exports import lazy_exports

if TYPE_CHECKING:
    from clearsight.rules.profiles import Rule, RuleHits, RuleSet, load_rule_file, rule_of
    from clearsight.rules.rows import RowRules
    from clearsight.rules.store import add_rules, disable_rule, enabled_rules, list_rules, with_stats

__all__ = [
    "RowRules",
    "Rule",
    "RuleHits",
    "RuleSet",
    "add_rules",
    "disable_rule",
    "enabled_rules",
    "list_rules",
    "load_rule_file",
    "rule_of",
    "with_stats",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Rule": "profiles",
        "RuleHits": "profiles",
        "RuleSet": "profiles",
        "load_rule_file": "profiles",
        "rule_of": "profiles",
        "RowRules": "rows",
        "add_rules": "store",
        "disable_rule": "store",
        "enabled_rules": "store",
        "list_rules": "store",
        "with_stats": "store",
    },
)
