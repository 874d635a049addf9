"""The rule catalog. Import `all_rules` / `get_rule` from here; rule families register themselves."""

from mrt.rules.registry import Hit, Rule, RuleDocs, all_rules, canonical_code, get_rule

__all__ = ["Hit", "Rule", "RuleDocs", "all_rules", "canonical_code", "get_rule"]
