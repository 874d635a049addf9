"""Explanations of a migration in words.

* `mrt.explain.static`: from the rule documentation of its findings (no network, always there).
* `mrt.explain.claude`: from Claude, opt-in — `build_prompt` turns a code snippet and its findings
  into a prompt, `stream_explanation` streams the answer. The anthropic SDK is imported only there,
  only when asked, so the CLI's static path and the language server never load it by accident.
* `mrt.explain.command`: `mrt explain FILE`, which streams Claude's answer and falls back to the
  static explanation when Claude cannot be reached.
"""
