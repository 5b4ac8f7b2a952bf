from django.urls import path

from api.v1.base_models.contact.models import Contact
from api.v1.base_models.organization.models import Organization
from api.v1.features.documents.models import Document
from api.v1.features.inventory.models import StockLocation, Warehouse
from api.v1.features.products.models import Product
from api.v1.routers import Router

from .views import CommentViewSet, RecordCommentsView

router = Router()
router.register("comments", CommentViewSet, basename="comment")

# Each business record's own comments route: /<records>/{id}/comments/.
RECORDS = {
    "organizations": Organization,
    "contacts": Contact,
    "products": Product,
    "warehouses": Warehouse,
    "stock-locations": StockLocation,
    "documents": Document,
}

urlpatterns = [
    *router.urls,
    *(
        path(
            f"{prefix}/<str:record_pk>/comments/",
            RecordCommentsView.of(model).as_view(),
            name=f"{model._meta.model_name}-comments",
        )
        for prefix, model in RECORDS.items()
    ),
]
