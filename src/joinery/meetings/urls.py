from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("partnerships/<slug:slug>/meetings/", views.meeting_list, name="list"),
    path("partnerships/<slug:slug>/meetings/new/", views.create, name="create"),
    path("partnerships/<slug:slug>/meetings.ics", views.feed, name="feed"),
    path("meetings/<int:pk>/", views.detail, name="detail"),
    path("meetings/<int:pk>/invite.ics", views.ics, name="ics"),
    path("meetings/<int:pk>/edit/", views.edit, name="edit"),
    path("meetings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("meetings/<int:pk>/minutes/", views.minutes, name="minutes"),
    path("meetings/<int:pk>/agenda/refresh/", views.refresh_agenda, name="refresh_agenda"),
]
