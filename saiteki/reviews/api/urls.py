"""API routes of the reviews app, included under /api/v1/ by core's API root."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from saiteki.reviews.api import views

router = SimpleRouter()
router.register("reviews/cases", views.CaseViewSet, basename="reviews-case")
router.register("reviews/opinions", views.OpinionViewSet, basename="reviews-opinion")
router.register("reviews/evaluations", views.EvaluationViewSet, basename="reviews-evaluation")
router.register("reviews/proposals", views.ProposalViewSet, basename="reviews-proposal")

urlpatterns = [
    path("reviews/summary/", views.SummaryView.as_view(), name="reviews-summary"),
    path("", include(router.urls)),
]
