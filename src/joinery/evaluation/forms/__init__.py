"""Forms of the evaluation pages, one module per area (framework, measurements, reporting, open_data).

Forms parse input; the rules live in the services. Choices come from lists the view has already
read, so a form costs no query of its own and the same objects reach the service.
"""
