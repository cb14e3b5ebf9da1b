"""/ops/revenue/: revenue per month, client, kind of service and salesperson, receivables ageing."""

from django.urls import path

from rongmei.business import views_revenue

urlpatterns = [
    path("", views_revenue.revenue_page, name="revenue"),
    path("revenue.xlsx", views_revenue.revenue_xlsx, name="revenue_xlsx"),
]
