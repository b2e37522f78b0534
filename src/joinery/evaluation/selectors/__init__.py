"""Reads of the evaluation framework, grouped like the services.

- `values`: the value of each indicator in each period (partners' measurements or citizen
  feedback) and how values roll up into longer periods. Every page and report reads
  values through here, so they all agree.
- `framework`, `measurements`, `scorecards`, `reporting`, `open_data`: what each page needs.
"""
