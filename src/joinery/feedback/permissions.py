"""Who may see and do what with citizen feedback (rules predicates)."""
