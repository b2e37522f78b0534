from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.create, name="create"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/representatives/", views.representatives, name="representatives"),
    path("<slug:slug>/representatives/<int:pk>/end/", views.representative_end, name="representative_end"),
    path("<slug:slug>/hand-over/", views.hand_over, name="hand_over"),
    path("<slug:slug>/close/", views.close, name="close"),
]
