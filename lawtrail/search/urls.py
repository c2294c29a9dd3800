from django.urls import path

from lawtrail.search import views

urlpatterns = [
    path("search/", views.search_page, name="search"),
]
