"""Who may see and do what (rules predicates)."""
