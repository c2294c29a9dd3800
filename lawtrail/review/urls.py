from django.urls import path

from lawtrail.review import views

urlpatterns = [
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/start/<int:case_file_pk>/", views.review_start, name="review_start"),
    path("reviews/assessment/", views.assessment_page, name="assessment"),
    path("reviews/assessment/assessment.xlsx", views.assessment_xlsx, name="assessment_xlsx"),
    path("reviews/assessment/assessment.pdf", views.assessment_pdf, name="assessment_pdf"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("reviews/<int:pk>/<str:step>/", views.review_step, name="review_step"),
]
