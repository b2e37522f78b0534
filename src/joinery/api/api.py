"""Assembles every app's router into one versioned API at /api/v1/.

Each domain app owns its endpoints in `<app>/api.py`; they parse the request,
call the same service or selector the web pages call, and shape the answer.
Authentication, the error format and pagination are shared (see auth.py,
errors.py, common.py).
"""

from ninja import NinjaAPI

from joinery.accounts.api import router as accounts_router
from joinery.agreements.api import router as agreements_router
from joinery.audit.api import router as audit_router
from joinery.contributions.api import router as contributions_router
from joinery.evaluation.api import router as evaluation_router
from joinery.feedback.api import router as feedback_router
from joinery.meetings.api import router as meetings_router
from joinery.network.api import router as network_router
from joinery.organisations.api import router as organisations_router
from joinery.programme.api import router as programme_router
from joinery.risks.api import router as risks_router

from . import errors
from .auth import PERSON
from .docs import LocalSwagger

api = NinjaAPI(
    title="Joinery API",
    version="1.0.0",
    urls_namespace="api-1.0.0",
    description=(
        "Organisations, their people, partnerships, charters and decisions. Authenticate with the "
        "browser session (send the CSRF token as X-CSRFToken to make changes) or a personal API "
        "token created on your account page: `Authorization: Bearer <token>`. Errors always have "
        "the shape `{\"detail\": …, \"errors\": {field: [messages]}}`. Lists take `limit` and "
        "`offset` and answer `{\"items\": […], \"count\": n}`."
    ),
    auth=PERSON,
    docs=LocalSwagger(),
)
errors.install(api)

api.add_router("", accounts_router)
api.add_router("", organisations_router)
api.add_router("", network_router)
api.add_router("", audit_router)
api.add_router("", agreements_router)
api.add_router("", programme_router)
api.add_router("", contributions_router)
api.add_router("", risks_router)
api.add_router("", meetings_router)
api.add_router("", feedback_router)
api.add_router("", evaluation_router)
