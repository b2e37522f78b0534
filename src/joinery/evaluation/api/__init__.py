"""API: the evaluation framework. One module per area; `router` assembles them."""

from ninja import Router

from . import framework, measurements, reporting, scorecards

router = Router(tags=["Evaluation"])
router.add_router("", framework.router)
router.add_router("", measurements.router)
router.add_router("", scorecards.router)
router.add_router("", reporting.router)
