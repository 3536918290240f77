"""DRF endpoints under /api/ (the contract is in DESIGN.md)."""

urlpatterns = []
