from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    # Public: anyone, no account
    path("feedback/<slug:slug>/", views.public_form, name="public_form"),
    path("feedback/<slug:slug>/thanks/", views.thanks, name="thanks"),
    # Partners
    path("partnerships/<slug:slug>/feedback/", views.channel_list, name="channels"),
    path("partnerships/<slug:slug>/feedback/new/", views.channel_create, name="channel_create"),
    path("feedback-forms/<int:pk>/", views.channel_detail, name="channel"),
    path("feedback-forms/<int:pk>/edit/", views.channel_edit, name="channel_edit"),
    path("feedback-responses/<int:pk>/hide/", views.response_hide, name="response_hide"),
]
