from django.urls import path

from . import views

app_name = "risks"
urlpatterns = [
    path("partnerships/<slug:slug>/risks/", views.register, name="register"),
    path("partnerships/<slug:slug>/risks/new/", views.create, name="create"),
    path("partnerships/<slug:slug>/risks/appetite/", views.appetite, name="appetite"),
    path("risks/<int:pk>/", views.detail, name="detail"),
    path("risks/<int:pk>/edit/", views.edit, name="edit"),
    path("risks/<int:pk>/accept/", views.accept, name="accept"),
    path("risks/<int:pk>/close/", views.close, name="close"),
]
