"""Who may see and do what in the evaluation framework (rules predicates)."""
