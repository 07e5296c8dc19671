"""URLs of the cost analysis."""

urlpatterns: list = []
