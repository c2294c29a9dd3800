from django.urls import path

from lawtrail.notices import views

urlpatterns = [
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/read/", views.notice_read, name="notice_read"),
]
