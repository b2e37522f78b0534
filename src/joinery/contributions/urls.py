from django.urls import path

from . import views

app_name = "contributions"
urlpatterns = [
    path("partnerships/<slug:slug>/contributions/", views.ledger_list, name="list"),
    path("partnerships/<slug:slug>/contributions/new/", views.create, name="create"),
    path("partnerships/<slug:slug>/contributions/import/", views.import_view, name="import"),
    path("partnerships/<slug:slug>/contributions/export/", views.export, name="export"),
    path("partnerships/<slug:slug>/investment/", views.investment, name="investment"),
    path("partnerships/<slug:slug>/valuation-rates/", views.rates, name="rates"),
    path("contributions/<int:pk>/", views.detail, name="detail"),
    path("contributions/<int:pk>/evidence/", views.evidence, name="evidence"),
    path("contributions/<int:pk>/correct/", views.correct, name="correct"),
    path("contributions/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("work/<int:item_pk>/hours/", views.volunteer_hours, name="volunteer_hours"),
]
