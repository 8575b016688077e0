"""The residents' phone app (included at /m/)."""

from __future__ import annotations

from django.urls import path

from anxin.residents import views

app_name = "residents"

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.MobileLoginView.as_view(), name="login"),
    path("password/", views.password_reset, name="password_reset"),
    path("logout/", views.MobileLogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("board/", views.board, name="board"),
    path("board/photos/<int:pk>/", views.board_photo, name="board_photo"),
]
