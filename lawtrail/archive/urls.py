from django.urls import path

from lawtrail.archive import views

urlpatterns = [
    path("cases/<int:case_pk>/case-file/", views.case_file_page, name="case_file"),
    path("cases/<int:case_pk>/case-file/assemble/", views.case_file_assemble, name="case_file_assemble"),
    path("cases/<int:case_pk>/case-file/bind/", views.case_file_bind, name="case_file_bind"),
    path("cases/<int:case_pk>/case-file/case-file.pdf", views.case_file_pdf, name="case_file_pdf"),
    path("cases/<int:case_pk>/case-file/package/", views.case_file_package, name="case_file_package"),
]
