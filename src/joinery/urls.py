from django.contrib import admin
from django.urls import include, path

from joinery.api.api import api

urlpatterns = [
    path("", include("joinery.core.urls")),
    path("accounts/", include("allauth.urls")),
    path("account/", include("joinery.accounts.urls")),
    path("organisations/", include("joinery.organisations.urls")),
    path("", include("joinery.network.urls")),
    path("", include("joinery.agreements.urls")),
    path("", include("joinery.programme.urls")),
    path("", include("joinery.contributions.urls")),
    path("", include("joinery.risks.urls")),
    path("", include("joinery.meetings.urls")),
    path("", include("joinery.feedback.urls")),
    path("", include("joinery.evaluation.urls")),
    path("notifications/", include("joinery.notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
