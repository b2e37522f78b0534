from django.urls import path

from .views import framework, measurements, open_data, reporting, scorecards

app_name = "evaluation"
P = "partnerships/<slug:slug>/evaluation/"
urlpatterns = [
    # Building the framework (views/framework.py)
    path(P, framework.overview, name="framework"),
    path(P + "new/", framework.create, name="create"),
    path(P + "edit/", framework.edit, name="edit"),
    path(P + "adopt/", framework.adopt, name="adopt"),
    path(P + "versions/", framework.versions, name="versions"),
    path(P + "versions/<int:number>/", framework.version, name="version"),
    path(P + "outcomes/new/", framework.outcome_create, name="outcome_create"),
    path("outcomes/<int:pk>/edit/", framework.outcome_edit, name="outcome_edit"),
    path(P + "indicators/new/", framework.indicator_create, name="indicator_create"),
    path("indicators/<int:pk>/edit/", framework.indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/targets/", framework.indicator_targets, name="indicator_targets"),
    path("indicators/<int:pk>/links/", framework.indicator_links, name="indicator_links"),
    # Measurements (views/measurements.py)
    path(P + "measurements/", measurements.measurement_list, name="measurements"),
    path(P + "measurements/new/", measurements.report, name="report"),
    path(P + "measurements/import/", measurements.import_view, name="import"),
    path(P + "measurements/export/", measurements.export, name="export"),
    path("measurements/<int:pk>/", measurements.detail, name="measurement"),
    path("measurements/<int:pk>/correct/", measurements.correct, name="correct"),
    # Scorecards and the thread (views/scorecards.py)
    path(P + "scorecard/", scorecards.partnership_scorecard, name="scorecard"),
    path("outcomes/<int:pk>/", scorecards.outcome_scorecard, name="outcome"),
    path(P + "partners/<slug:org>/", scorecards.partner_scorecard, name="partner_scorecard"),
    path("indicators/<int:pk>/", scorecards.indicator, name="indicator"),
    path("commitments/<int:pk>/results/", scorecards.commitment_thread, name="commitment_thread"),
    # Partners' own reporting requirements and reports (views/reporting.py)
    path(P + "requirements/", reporting.requirement_list, name="requirements"),
    path(P + "requirements/new/", reporting.requirement_create, name="requirement_create"),
    path("requirements/<int:pk>/", reporting.requirement_detail, name="requirement"),
    path("requirements/<int:pk>/edit/", reporting.requirement_edit, name="requirement_edit"),
    path("requirements/<int:pk>/report/", reporting.report_html, name="report_html"),
    path("requirements/<int:pk>/report.pdf", reporting.report_pdf, name="report_pdf"),
    path("requirements/<int:pk>/report.csv", reporting.report_csv, name="report_csv"),
    # Open data (views/open_data.py): settings for partners, public pages for everyone
    path(P + "open-data/", open_data.settings, name="open_data_settings"),
    path("open-data/", open_data.index, name="open_data_index"),
    path("open-data/<slug:slug>/", open_data.dataset, name="open_data"),
    path("open-data/<slug:slug>.csv", open_data.dataset_csv, name="open_data_csv"),
    path("open-data/<slug:slug>.json", open_data.dataset_json, name="open_data_json"),
]
