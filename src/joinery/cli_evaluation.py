"""`joinery evaluation …` and `joinery feedback …`: the evaluation framework from the command line.

Same services as the web pages and the API. Helpers (_django, _refused, …) come from
joinery.cli; the parser is built before Django starts, so imports of Django code stay
inside the command functions.
"""


def add_commands(sub) -> None:
    """Add the evaluation and feedback commands to the `joinery` parser."""
