from django.urls import path

from . import views_budget as views

urlpatterns = [
    path("budget/", views.budget_month, name="budget"),
    path("budget/refresh/", views.budget_refresh, name="budget_refresh"),
    path("budget/lines/", views.budget_lines, name="budget_lines"),
    path("budget/export.xlsx", views.budget_export, name="budget_export"),
    path("budget/month.pdf", views.budget_month_pdf, name="budget_pdf"),
    path("budget/plans/", views.budget_plans, name="budget_plans"),
    path("budget/plans/new/", views.budget_plan_edit, name="budget_plan_new"),
    path("budget/plans/<int:pk>/", views.budget_plan_edit, name="budget_plan_edit"),
    path("budget/costs/", views.budget_costs, name="budget_costs"),
    path("budget/prices/", views.budget_prices, name="budget_prices"),
]
