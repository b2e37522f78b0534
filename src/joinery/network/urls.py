from django.urls import path

from . import views

app_name = "network"
urlpatterns = [
    path("partnerships/", views.partnership_list, name="list"),
    path("partnerships/new/", views.partnership_create, name="create"),
    path("partnerships/<slug:slug>/", views.partnership_detail, name="partnership"),
    path("partnerships/<slug:slug>/edit/", views.partnership_edit, name="edit"),
    path("partnerships/<slug:slug>/invite/", views.invite, name="invite"),
    path("partnerships/<slug:slug>/partners/<int:pk>/remove/", views.partner_remove, name="partner_remove"),
    path("partnerships/<slug:slug>/partners/<int:pk>/withdraw/", views.partner_withdraw, name="partner_withdraw"),
    path("partnerships/<slug:slug>/publication/", views.publication, name="publication"),
    path("partnerships/<slug:slug>/charter/", views.charter, name="charter"),
    path("partnerships/<slug:slug>/charter/edit/", views.charter_edit, name="charter_edit"),
    path("partnerships/<slug:slug>/charter/v<int:number>/", views.charter_version, name="charter_version"),
    path("partnerships/<slug:slug>/decisions/", views.decision_list, name="decisions"),
    path("partnerships/<slug:slug>/decisions/new/", views.decision_create, name="decision_create"),
    path("partnerships/<slug:slug>/decisions/<int:pk>/", views.decision_detail, name="decision"),
    path("partnerships/<slug:slug>/decisions/<int:pk>/position/", views.position, name="position"),
    path("partnerships/<slug:slug>/decisions/<int:pk>/close/", views.decision_close, name="decision_close"),
    path("partnerships/<slug:slug>/decisions/<int:pk>/rationale/", views.decision_rationale, name="decision_rationale"),
    path("partnerships/<slug:slug>/activity/", views.activity, name="activity"),
    path("partnerships/<slug:slug>/map/", views.partnership_map, name="partnership_map"),
    path("network-map/", views.network_map, name="map"),
    path("network-map.json", views.network_map_data, name="map_data"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:pk>/", views.invitation, name="invitation"),
]
