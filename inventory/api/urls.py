from rest_framework.routers import SimpleRouter

from .views import PartViewSet

router = SimpleRouter()
router.register("parts", PartViewSet, basename="part")
urlpatterns = router.urls
