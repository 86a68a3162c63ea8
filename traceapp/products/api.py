"""JSON API for products and their OCOP records."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields

from traceapp.api import api_actor, documented, owner_cooperative_id
from traceapp.api.paging import Blueprint, keyset_api_page
from traceapp.api.schemas import BaseSchema, OwnerArgsSchema
from traceapp.auth.permissions import get_scoped, scoped
from traceapp.products import services
from traceapp.products.models import OcopRecord, Product
from traceapp.products.schemas import OcopRecordSchema, ProductQuerySchema, ProductSchema

blp = Blueprint("api_products", __name__, description="Products, GTINs and OCOP records")


class ImageSchema(BaseSchema):
    """A multipart image upload."""

    image = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


@blp.route("/products")
class Products(MethodView):
    """Products the caller may see."""

    @documented("listProducts")
    @blp.arguments(ProductQuerySchema, location="query")
    @blp.response(200, ProductSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """List products; search by name, code or GTIN, filter by category."""
        stmt = services.product_search(
            scoped(Product, api_actor()), args.get("q"), args.get("category"), args.get("active")
        )
        items = keyset_api_page(
            stmt, [(Product.code, False), (Product.id, False)], pagination_parameters
        )
        return items

    @documented("createProduct", 403, 404)
    @blp.arguments(OwnerArgsSchema, location="query")
    @blp.arguments(ProductSchema)
    @blp.response(201, ProductSchema)
    def post(self, owner: dict[str, Any], data: dict[str, Any]) -> Any:
        """Register a product (managers; administrators name the cooperative)."""
        return services.create_product(api_actor(), owner_cooperative_id(owner), **data)


@blp.route("/products/<int:product_id>")
class ProductById(MethodView):
    """One product."""

    @documented("getProduct")
    @blp.response(200, ProductSchema)
    def get(self, product_id: int) -> Any:
        """Read a product."""
        return get_scoped(Product, product_id, api_actor())

    @documented("updateProduct", 403)
    @blp.arguments(ProductSchema(partial=True))
    @blp.response(200, ProductSchema)
    def patch(self, data: dict[str, Any], product_id: int) -> Any:
        """Change a product. Products are not deleted: set ``is_active`` to false."""
        actor = api_actor()
        product = get_scoped(Product, product_id, actor)
        return services.update_product(actor, product, **data)


@blp.route("/products/<int:product_id>/image", methods=["POST"])
@documented("setProductImage", 403)
@blp.arguments(ImageSchema, location="files")
@blp.response(200, ProductSchema)
def product_image(files: dict[str, Any], product_id: int) -> Any:
    """Replace the product's photo (PNG, JPEG or WebP; re-encoded, metadata stripped)."""
    actor = api_actor()
    product = get_scoped(Product, product_id, actor)
    return services.set_product_image(actor, product, files["image"])


@blp.route("/products/<int:product_id>/ocop")
class ProductOcop(MethodView):
    """A product's OCOP history."""

    @documented("listOcopRecords")
    @blp.response(200, OcopRecordSchema(many=True))
    @blp.paginate()
    def get(self, product_id: int, pagination_parameters: Any) -> Any:
        """Every OCOP record of the product, latest decision first, with today's status."""
        actor = api_actor()
        product = get_scoped(Product, product_id, actor)
        stmt = scoped(OcopRecord, actor).where(OcopRecord.product_id == product.id)
        items = keyset_api_page(
            stmt, [(OcopRecord.decided_on, True), (OcopRecord.id, True)], pagination_parameters
        )
        return items

    @documented("createOcopRecord", 403)
    @blp.arguments(OcopRecordSchema)
    @blp.response(201, OcopRecordSchema)
    def post(self, data: dict[str, Any], product_id: int) -> Any:
        """Record an OCOP evaluation; records are never changed, only superseded."""
        actor = api_actor()
        product = get_scoped(Product, product_id, actor)
        return services.record_ocop(actor, product, **data)
