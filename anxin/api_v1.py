"""The REST API v1: one router, so tests can walk every registered endpoint."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import DefaultRouter

from anxin.accounts.api.views import MembershipViewSet, MeView, UserViewSet
from anxin.areas.api.views import AreaViewSet, PlaceViewSet
from anxin.emergency.api import views as emergency
from anxin.hazards.api.views import AttachmentViewSet, HazardViewSet
from anxin.knowledge.api.views import ArticleViewSet
from anxin.notifications.api.views import NotificationViewSet
from anxin.organisations.api.views import OrganisationViewSet
from anxin.points.api.views import CampaignViewSet, PointEntryViewSet
from anxin.ratings.api.views import RatingViewSet
from anxin.taxonomy.api.views import CategoryViewSet
from anxin.warnings.api.views import WarningRuleViewSet, WarningViewSet

router = DefaultRouter()
# Hazards first: URLs are matched in this order, and reports are the busiest path.
router.register("hazards", HazardViewSet, basename="hazard")
router.register("areas", AreaViewSet, basename="area")
router.register("places", PlaceViewSet, basename="place")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("users", UserViewSet, basename="user")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("categories", CategoryViewSet, basename="category")
router.register("attachments", AttachmentViewSet, basename="attachment")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("warnings", WarningViewSet, basename="warning")
router.register("warning-rules", WarningRuleViewSet, basename="warning-rule")
router.register("ratings", RatingViewSet, basename="rating")
router.register("points", PointEntryViewSet, basename="point-entry")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("articles", ArticleViewSet, basename="article")
router.register("supplies", emergency.SupplyViewSet, basename="supply")
router.register("supply-movements", emergency.StockMovementViewSet, basename="supply-movement")
router.register("emergency-teams", emergency.TeamViewSet, basename="emergency-team")
router.register("emergency-plans", emergency.PlanViewSet, basename="emergency-plan")
router.register("emergency-responses", emergency.ResponseViewSet, basename="emergency-response")
router.register("response-tasks", emergency.TaskViewSet, basename="response-task")
router.register("response-reviews", emergency.ReviewViewSet, basename="response-review")
router.register("drills", emergency.DrillViewSet, basename="drill")
router.register("trainings", emergency.TrainingViewSet, basename="training")
router.register("safety-activities", emergency.ActivityViewSet, basename="safety-activity")
router.register("weather-alerts", emergency.WeatherAlertViewSet, basename="weather-alert")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
]
