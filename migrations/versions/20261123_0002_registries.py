"""Registries: collective marks and grants of use, products and OCOP records, zone codes.

Revision ID: 0002
Revises: 0001
Created: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "collective_marks",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("certificate_number", sa.String(length=40), nullable=True),
        sa.Column("certificate_date", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "registered",
                "suspended",
                "expired",
                name="mark_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("product_scope", sa.Text(), nullable=True),
        sa.Column("geographic_scope", sa.Text(), nullable=True),
        sa.Column("logo", sa.String(length=80), nullable=True),
        sa.Column("owner_name", sa.String(length=200), nullable=True),
        sa.Column("owner_address", sa.String(length=300), nullable=True),
        sa.Column("founding_basis", sa.Text(), nullable=True),
        sa.Column("membership_criteria", sa.Text(), nullable=True),
        sa.Column("conditions_of_use", sa.Text(), nullable=True),
        sa.Column("violation_measures", sa.Text(), nullable=True),
        sa.Column("rules_adopted_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "valid_until IS NULL OR certificate_date IS NULL OR valid_until >= certificate_date",
            name=op.f("ck_collective_marks_validity_order"),
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_collective_marks_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collective_marks")),
        sa.UniqueConstraint(
            "cooperative_id", "name", name=op.f("uq_collective_marks_cooperative_id_name")
        ),
    )
    with op.batch_alter_table("collective_marks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_collective_marks_cooperative_id"), ["cooperative_id"], unique=False
        )

    op.create_table(
        "products",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("names", traceapp.database.JSONType, nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("unit_of_trade", sa.String(length=20), nullable=False),
        sa.Column("net_quantity", sa.Numeric(precision=12, scale=3), nullable=True),
        sa.Column("net_unit", sa.String(length=3), nullable=True),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.Column("mark_id", sa.Integer(), nullable=True),
        sa.Column("image", sa.String(length=80), nullable=True),
        sa.Column("shelf_life_days", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(net_quantity IS NULL) = (net_unit IS NULL)",
            name=op.f("ck_products_net_quantity_has_unit"),
        ),
        sa.CheckConstraint(
            "net_quantity IS NULL OR net_quantity > 0",
            name=op.f("ck_products_net_quantity_positive"),
        ),
        sa.CheckConstraint(
            "shelf_life_days IS NULL OR shelf_life_days > 0",
            name=op.f("ck_products_shelf_life_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_products_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["mark_id"],
            ["collective_marks.id"],
            name=op.f("fk_products_mark_id_collective_marks"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("cooperative_id", "code", name=op.f("uq_products_cooperative_id_code")),
        sa.UniqueConstraint("gtin", name=op.f("uq_products_gtin")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_products_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_products_mark_id"), ["mark_id"], unique=False)

    op.create_table(
        "ocop_records",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=20), nullable=False),
        sa.Column("score_a", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("score_b", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("score_c", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("decision_number", sa.String(length=60), nullable=True),
        sa.Column(
            "level",
            sa.Enum(
                "province",
                "ministry",
                name="ocop_level",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("certificate_number", sa.String(length=60), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "stars <> 5 OR level = 'ministry'", name=op.f("ck_ocop_records_five_stars_by_ministry")
        ),
        sa.CheckConstraint(
            "score_a >= 0 AND score_b >= 0 AND score_c >= 0",
            name=op.f("ck_ocop_records_scores_not_negative"),
        ),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name=op.f("ck_ocop_records_stars_range")),
        sa.CheckConstraint(
            "valid_until > decided_on", name=op.f("ck_ocop_records_valid_after_decision")
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_ocop_records_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_ocop_records_product_id_products"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["ocop_records.id"],
            name=op.f("fk_ocop_records_supersedes_id_ocop_records"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ocop_records")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_ocop_records_supersedes_id")),
    )
    with op.batch_alter_table("ocop_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ocop_records_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ocop_records_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "mark_grants",
        sa.Column("mark_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "suspended",
                "revoked",
                name="grant_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until >= granted_on",
            name=op.f("ck_mark_grants_validity_order"),
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_mark_grants_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["mark_id"],
            ["collective_marks.id"],
            name=op.f("fk_mark_grants_mark_id_collective_marks"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_mark_grants_member_id_members"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mark_grants")),
    )
    with op.batch_alter_table("mark_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mark_grants_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mark_grants_mark_id"), ["mark_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mark_grants_member_id"), ["member_id"], unique=False)

    op.create_table(
        "mark_grant_products",
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["mark_grants.id"],
            name=op.f("fk_mark_grant_products_grant_id_mark_grants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_mark_grant_products_product_id_products"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("grant_id", "product_id", name=op.f("pk_mark_grant_products")),
    )

    op.create_table(
        "mark_grant_events",
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "granted",
                "suspended",
                "reinstated",
                "revoked",
                "products_changed",
                "validity_changed",
                name="grant_action",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("recorded_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("details", traceapp.database.JSONType, nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_mark_grant_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["mark_grants.id"],
            name=op.f("fk_mark_grant_events_grant_id_mark_grants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mark_grant_events")),
    )
    with op.batch_alter_table("mark_grant_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mark_grant_events_grant_id"), ["grant_id"], unique=False
        )

    op.create_table(
        "zones",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "growing_area",
                "packing_house",
                "aquaculture_facility",
                "fishing_ground",
                name="zone_kind",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("crop", sa.String(length=100), nullable=True),
        sa.Column("province", sa.String(length=100), nullable=False),
        sa.Column("district", sa.String(length=100), nullable=True),
        sa.Column("commune", sa.String(length=100), nullable=True),
        sa.Column("province_key", sa.String(length=100), nullable=False),
        sa.Column("district_key", sa.String(length=100), nullable=True),
        sa.Column("issuing_authority", sa.String(length=200), nullable=True),
        sa.Column("decision_number", sa.String(length=60), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column(
            "target_market",
            sa.Enum(
                "domestic",
                "china_gacc",
                "eu",
                "usa",
                "japan",
                "korea",
                "other",
                name="target_market",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("declared_area_ha", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "approved",
                "rejected",
                "suspended",
                "revoked",
                "expired",
                name="zone_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("geometry", traceapp.database.JSONType, nullable=True),
        sa.Column("computed_area_ha", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("min_lon", sa.Double(), nullable=True),
        sa.Column("min_lat", sa.Double(), nullable=True),
        sa.Column("max_lon", sa.Double(), nullable=True),
        sa.Column("max_lat", sa.Double(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "declared_area_ha IS NULL OR declared_area_ha >= 0",
            name=op.f("ck_zones_declared_area_not_negative"),
        ),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from",
            name=op.f("ck_zones_validity_order"),
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_zones_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zones")),
        sa.UniqueConstraint("code", name=op.f("uq_zones_code")),
    )
    with op.batch_alter_table("zones", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_zones_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index(
            "ix_zones_province_key_status", ["province_key", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_zones_status"), ["status"], unique=False)

    op.create_table(
        "zone_members",
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_zone_members_member_id_members"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["zones.id"],
            name=op.f("fk_zone_members_zone_id_zones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("zone_id", "member_id", name=op.f("pk_zone_members")),
    )

    op.create_table(
        "zone_certifications",
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column(
            "scheme",
            sa.Enum(
                "vietgap",
                "globalgap",
                "organic",
                "other",
                name="certification_scheme",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["zones.id"],
            name=op.f("fk_zone_certifications_zone_id_zones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zone_certifications")),
    )
    with op.batch_alter_table("zone_certifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_zone_certifications_zone_id"), ["zone_id"], unique=False
        )

    op.create_table(
        "zone_transitions",
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=True),
        sa.Column("at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_zone_transitions_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["zones.id"],
            name=op.f("fk_zone_transitions_zone_id_zones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zone_transitions")),
    )
    with op.batch_alter_table("zone_transitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_zone_transitions_zone_id"), ["zone_id"], unique=False)

    op.create_table(
        "zone_overlaps",
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("other_zone_id", sa.Integer(), nullable=False),
        sa.Column("overlap_ha", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("detected_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["other_zone_id"],
            ["zones.id"],
            name=op.f("fk_zone_overlaps_other_zone_id_zones"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["zones.id"],
            name=op.f("fk_zone_overlaps_zone_id_zones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("zone_id", "other_zone_id", name=op.f("pk_zone_overlaps")),
    )


def downgrade() -> None:
    op.drop_table("zone_overlaps")
    op.drop_table("zone_transitions")
    op.drop_table("zone_certifications")
    op.drop_table("zone_members")
    op.drop_table("zones")
    op.drop_table("mark_grant_events")
    op.drop_table("mark_grant_products")
    op.drop_table("mark_grants")
    op.drop_table("ocop_records")
    op.drop_table("products")
    op.drop_table("collective_marks")
