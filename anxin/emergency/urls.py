"""Workbench pages of emergency readiness (included at /emergency/)."""

from __future__ import annotations

from django.urls import path

from anxin.emergency import views

app_name = "emergency"

urlpatterns = [
    path("", views.index, name="index"),
    path("supplies/", views.supply_board, name="supplies"),
    path("supplies/stores/new/", views.store_new, name="store_new"),
    path("supplies/new/", views.supply_new, name="supply_new"),
    path("supplies/teams/new/", views.team_new, name="team_new"),
    path("supplies/<int:pk>/", views.supply_detail, name="supply"),
    path("supplies/<int:pk>/<str:what>/", views.supply_move, name="supply_move"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/revise/", views.plan_revise, name="plan_revise"),
    path("plans/<int:pk>/start/", views.plan_start, name="plan_start"),
    path("responses/", views.response_list, name="responses"),
    path("responses/<int:pk>/", views.response_detail, name="response"),
    path("responses/<int:pk>/start/", views.response_start, name="response_start"),
    path("responses/<int:pk>/stage/<str:name>/", views.response_stage, name="response_stage"),
    path("responses/<int:pk>/issue/", views.response_issue, name="response_issue"),
    path("responses/<int:pk>/return/", views.response_return, name="response_return"),
    path("responses/<int:pk>/tasks/", views.response_task_new, name="response_task_new"),
    path("responses/<int:pk>/note/", views.response_note, name="response_note"),
    path("responses/<int:pk>/review/", views.review_submit, name="review_submit"),
    path("tasks/", views.my_tasks, name="tasks"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("drills/", views.drills, name="drills"),
    path("drills/new/", views.drill_new, name="drill_new"),
    path("drills/<int:pk>/held/", views.drill_record, name="drill_record"),
    path("training/new/", views.training_new, name="training_new"),
    path("calendar/", views.safety_calendar, name="calendar"),
    path("calendar/new/", views.activity_new, name="activity_new"),
    path("weather/", views.weather_list, name="weather"),
    path("weather/<int:pk>/", views.weather_detail, name="weather_alert"),
]
