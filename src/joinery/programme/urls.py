from django.urls import path

from . import views

app_name = "programme"
urlpatterns = [
    path("partnerships/<slug:slug>/work/", views.work_list, name="work_list"),
    path("partnerships/<slug:slug>/work/timeline/", views.timeline, name="timeline"),
    path("partnerships/<slug:slug>/programmes/new/", views.create, name="create"),
    path("programmes/<int:pk>/", views.detail, name="detail"),
    path("programmes/<int:pk>/adopt/", views.adopt, name="adopt"),
    path("programmes/<int:pk>/items/new/", views.item_create, name="item_create"),
    path("work/<int:pk>/", views.item, name="item"),
    path("work/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("work/<int:pk>/status/", views.item_status, name="item_status"),
    path("work/<int:pk>/volunteer/", views.signup, name="signup"),
    path("work/<int:pk>/signups/<int:signup_id>/decide/", views.signup_decide, name="signup_decide"),
    path("my-work/", views.my_work, name="my_work"),
    path("volunteer/", views.volunteer_opportunities, name="volunteer_opportunities"),
]
