"""Web pages for products, their photos and OCOP records."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.datastructures import FileStorage

from traceapp.auth.permissions import get_scoped, require, scoped
from traceapp.cooperatives.models import Cooperative
from traceapp.extensions import db
from traceapp.form_pages import form_page, upload_page
from traceapp.gs1 import gtin_display
from traceapp.i18n import LANGUAGE_NAMES
from traceapp.products import services
from traceapp.products.forms import LEVEL_LABELS, ImageForm, OcopForm, ProductForm
from traceapp.products.models import Product
from traceapp.units import number_text
from traceapp.web import keyset_page, nav_item

bp = Blueprint("products", __name__)
nav_item("products.index", _l("Products"), lambda user: user.is_admin or user.is_cooperative_user)

#: Badge text and style of each OCOP status (see services.ocop_status).
STATUS_BADGES = {
    "valid": "ok",
    "expired": "bad",
    "not_certified": "warn",
    "not_yet_valid": "warn",
    "superseded": "",
}


def _may_read() -> None:
    # Auditors check zones and lots, not a cooperative's product register.
    require(current_user.is_admin or current_user.is_cooperative_user)


def _upload(field: Any) -> FileStorage | None:
    """The file a form field received, if any (an edit form's field may hold the old key)."""
    return field.data if isinstance(field.data, FileStorage) and field.data else None


def _helpers() -> dict[str, Any]:
    return {
        "gtin_display": gtin_display,
        "categories": services.categories(),
        "units_of_trade": services.units_of_trade(),
        "net_units": services.net_units(),
        "levels": LEVEL_LABELS,
        "badges": STATUS_BADGES,
        "qty": number_text,
    }


def product_list() -> tuple[Any, dict[str, str]]:
    """The products list's filters (from the query string) and its query, unordered: the page
    and its downloads both start here."""
    q = (request.args.get("q") or "").strip()
    category = request.args.get("category") or ""
    if category not in services.categories():
        category = ""
    stmt = services.product_search(scoped(Product, current_user), q, category or None)
    return stmt, {"q": q, "category": category}


@bp.route("/products")
@login_required
def index() -> Any:
    """Products with search (name, code, GTIN), a category filter and pagination."""
    _may_read()
    stmt, args = product_list()
    return render_template(
        "products/index.html",
        page=keyset_page(stmt, [(Product.code, False), (Product.id, False)]),
        q=args["q"],
        category=args["category"],
        stars=services.ocop_stars_for_display,
        **_helpers(),
    )


def _owner_for_new() -> Cooperative | None:
    """The cooperative a new product goes to: one's own, or the one an admin picked."""
    if current_user.is_cooperative_user:
        return get_scoped(Cooperative, current_user.cooperative_id, current_user)
    chosen = request.args.get("cooperative_id")
    return get_scoped(Cooperative, chosen, current_user) if chosen else None


@bp.route("/products/new", methods=["GET", "POST"])
@login_required
def create() -> Any:
    """Register a product (managers; administrators first pick the cooperative)."""
    _may_read()
    coop = _owner_for_new()
    if coop is None:
        coops = (
            db.session.execute(scoped(Cooperative, current_user).order_by(Cooperative.name))
            .scalars()
            .all()
        )
        return render_template("products/choose.html", coops=coops)
    require(
        current_user.can_manage_cooperative(coop.id),
        _("Only the cooperative's manager may register products."),
    )
    form = ProductForm()
    form.fill_choices(services.marks_for(coop.id))
    return form_page(
        form,
        lambda: services.create_product(
            current_user, coop.id, image=_upload(form.image), **form.values()
        ),
        message=lambda product: _("Product %(code)s registered.", code=product.code),
        next_url=lambda product: url_for("products.detail", product_id=product.id),
        template="products/form.html",
        coop=coop,
        product=None,
    )


@bp.route("/products/<int:product_id>")
@login_required
def detail(product_id: int) -> Any:
    """A product's page: photo, names, GTIN, mark and OCOP history."""
    product = get_scoped(Product, product_id, current_user)
    return _render_detail(product, ImageForm())


def _render_detail(product: Product, image_form: ImageForm) -> str:
    superseded = services.superseded_ids(product)
    history = [(r, services.ocop_status(r, superseded=superseded)) for r in product.ocop_records]
    return render_template(
        "products/detail.html",
        product=product,
        history=history,
        current=services.current_ocop(product),
        image_form=image_form,
        langs=services.other_languages(),
        language_names=LANGUAGE_NAMES,
        gtin_note=services.prefix_note(product.gtin, product.cooperative.country),
        **_helpers(),
    )


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@login_required
def edit(product_id: int) -> Any:
    """Edit a product (its cooperative's manager)."""
    product = get_scoped(Product, product_id, current_user)
    require(
        current_user.can_manage_cooperative(product.cooperative_id),
        _("Only the cooperative's manager may edit products."),
    )
    form = ProductForm(obj=product)
    form.fill_choices(services.marks_for(product.cooperative_id))
    if request.method == "GET":
        form.load(product)
    return form_page(
        form,
        lambda: services.update_product(
            current_user, product, image=_upload(form.image), **form.values()
        ),
        next_url=lambda _saved: url_for("products.detail", product_id=product.id),
        template="products/form.html",
        coop=product.cooperative,
        product=product,
    )


@bp.route("/products/<int:product_id>/image", methods=["POST"])
@login_required
def image(product_id: int) -> Any:
    """Replace the product's photo."""
    product = get_scoped(Product, product_id, current_user)
    require(current_user.can_manage_cooperative(product.cooperative_id))
    form = ImageForm()
    return upload_page(
        form,
        lambda: services.set_product_image(current_user, product, form.image.data),
        back=url_for("products.detail", product_id=product.id),
        done=_("Photo updated."),
        # The product again: the rollback expired what the session held.
        refused=lambda: _render_detail(get_scoped(Product, product_id, current_user), form),
    )


@bp.route("/products/<int:product_id>/ocop/new", methods=["GET", "POST"])
@login_required
def ocop_create(product_id: int) -> Any:
    """Record an OCOP evaluation for a product."""
    product = get_scoped(Product, product_id, current_user)
    require(
        current_user.can_manage_cooperative(product.cooperative_id),
        _("Only the cooperative's manager may record OCOP results."),
    )
    form = OcopForm()
    form.fill_choices(product.ocop_records)
    return form_page(
        form,
        lambda: services.record_ocop(current_user, product, **form.values()),
        message=lambda record: _("OCOP result recorded: %(n)s stars.", n=record.stars),
        next_url=lambda _record: url_for("products.detail", product_id=product.id),
        template="products/ocop_form.html",
        product=product,
        settings=services.ocop_settings(),
    )
