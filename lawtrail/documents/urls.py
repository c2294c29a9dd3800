from django.urls import path

from lawtrail.documents import views

urlpatterns = [
    path("cases/<int:case_pk>/documents/", views.case_documents, name="case_documents"),
    path("cases/<int:case_pk>/documents/print.pdf", views.case_documents_pdf, name="case_documents_pdf"),
    path("cases/<int:case_pk>/documents/new/<str:code>/", views.document_new, name="document_new"),
    path("complaints/<int:complaint_pk>/documents/new/<str:code>/", views.complaint_document_new,
         name="complaint_document_new"),
    path("inspections/<int:inspection_pk>/documents/new/<str:code>/", views.inspection_document_new,
         name="inspection_document_new"),
    path("documents/numbering/", views.number_scheme, name="document_number_scheme"),
    path("documents/<int:pk>/", views.document_detail, name="document_detail"),
    path("documents/<int:pk>/save/", views.document_save, name="document_save"),
    path("documents/<int:pk>/pdf/", views.document_pdf, name="document_pdf"),
    path("documents/<int:pk>/issued.pdf", views.document_issued_pdf, name="document_issued_pdf"),
    path("documents/<int:pk>/docx/", views.document_docx, name="document_docx"),
    path("documents/<int:pk>/<str:kind>/", views.document_step, name="document_step"),
]
