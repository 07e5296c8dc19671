"""URLs of the Excel import and the division survey (調査票)."""

urlpatterns: list = []
