from django.urls import path

from lawtrail.registers import views

urlpatterns = [
    path("records/", views.register_page, name="text_records"),
    path("records/<int:pk>.pdf", views.record_pdf, name="text_record_pdf"),
]
