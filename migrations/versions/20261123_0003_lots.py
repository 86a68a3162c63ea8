"""Lots, member contributions, immutable traceability events, genealogy and recalls.

Revision ID: 0003
Revises: 0002
Created: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database
from traceapp.batches.models import (
    PG_DECLARATIONS_IMMUTABLE_TRIGGER,
    PG_EVENTS_IMMUTABLE_FUNCTION,
    PG_EVENTS_IMMUTABLE_TRIGGER,
)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lots",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("production_date", sa.Date(), nullable=False),
        sa.Column("best_before", sa.Date(), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("unit", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "closed",
                "recalled",
                name="lot_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("catch_data", traceapp.database.JSONType, nullable=True),
        sa.Column("aquaculture_method", sa.String(length=100), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recall_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "best_before IS NULL OR best_before >= production_date",
            name=op.f("ck_lots_best_before_after_production"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_lots_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_lots_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_lots_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_lots_product_id_products"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
        sa.UniqueConstraint("product_id", "code", name=op.f("uq_lots_product_id_code")),
    )
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lots_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index(
            "ix_lots_cooperative_id_code", ["cooperative_id", "code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_lots_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lots_recall_id"), ["recall_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lots_status"), ["status"], unique=False)

    op.create_table(
        "recalls",
        sa.Column("root_lot_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_recalls_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_recalls_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["root_lot_id"],
            ["lots.id"],
            name=op.f("fk_recalls_root_lot_id_lots"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recalls")),
    )
    with op.batch_alter_table("recalls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recalls_cooperative_id"), ["cooperative_id"], unique=False
        )

    # lots and recalls refer to each other: the lot's link to its recall comes second.
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_lots_recall_id_recalls"),
            "recalls",
            ["recall_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    op.create_table(
        "lot_contributions",
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("unit", sa.String(length=3), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_lot_contributions_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_lot_contributions_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lots.id"],
            name=op.f("fk_lot_contributions_lot_id_lots"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_lot_contributions_member_id_members"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_lot_contributions_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["zones.id"],
            name=op.f("fk_lot_contributions_zone_id_zones"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_contributions")),
    )
    with op.batch_alter_table("lot_contributions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lot_contributions_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_lot_contributions_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_lot_contributions_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_lot_contributions_zone_id"), ["zone_id"], unique=False)

    op.create_table(
        "trace_events",
        sa.Column("event_uid", sa.String(length=120), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=30), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=True),
        sa.Column("biz_step", sa.String(length=60), nullable=False),
        sa.Column("disposition", sa.String(length=60), nullable=True),
        sa.Column("event_time", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tz_offset", sa.String(length=6), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=True),
        sa.Column("unit", sa.String(length=3), nullable=True),
        sa.Column("sources", traceapp.database.JSONType, nullable=True),
        sa.Column("destinations", traceapp.database.JSONType, nullable=True),
        sa.Column("ilmd", traceapp.database.JSONType, nullable=True),
        sa.Column("details", traceapp.database.JSONType, nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_label", sa.String(length=254), nullable=False),
        sa.Column("recorded_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_trace_events_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["trace_events.id"],
            name=op.f("fk_trace_events_corrects_id_trace_events"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_trace_events_lot_id_lots"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_trace_events_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["zones.id"],
            name=op.f("fk_trace_events_zone_id_zones"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trace_events")),
        sa.UniqueConstraint("event_uid", name=op.f("uq_trace_events_event_uid")),
    )
    with op.batch_alter_table("trace_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trace_events_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index(
            "ix_trace_events_lot_id_event_time", ["lot_id", "event_time"], unique=False
        )

    op.create_table(
        "event_error_declarations",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("declared_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("corrective_event_uids", traceapp.database.JSONType, nullable=False),
        sa.Column("declared_by_id", sa.Integer(), nullable=True),
        sa.Column("declared_by_label", sa.String(length=254), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declared_by_id"],
            ["users.id"],
            name=op.f("fk_event_error_declarations_declared_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["trace_events.id"],
            name=op.f("fk_event_error_declarations_event_id_trace_events"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_error_declarations")),
        sa.UniqueConstraint("event_id", name=op.f("uq_event_error_declarations_event_id")),
    )

    op.create_table(
        "lot_inputs",
        sa.Column("output_lot_id", sa.Integer(), nullable=False),
        sa.Column("input_lot_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("unit", sa.String(length=3), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("output_lot_id <> input_lot_id", name=op.f("ck_lot_inputs_not_itself")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_lot_inputs_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_lot_inputs_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["trace_events.id"],
            name=op.f("fk_lot_inputs_event_id_trace_events"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["input_lot_id"],
            ["lots.id"],
            name=op.f("fk_lot_inputs_input_lot_id_lots"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["output_lot_id"],
            ["lots.id"],
            name=op.f("fk_lot_inputs_output_lot_id_lots"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_inputs")),
        sa.UniqueConstraint(
            "output_lot_id", "input_lot_id", name=op.f("uq_lot_inputs_output_lot_id_input_lot_id")
        ),
    )
    with op.batch_alter_table("lot_inputs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lot_inputs_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_lot_inputs_input_lot_id"), ["input_lot_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_lot_inputs_output_lot_id"), ["output_lot_id"], unique=False
        )
    # PostgreSQL refuses any change to a recorded event or error declaration.
    if op.get_bind().dialect.name == "postgresql":
        for ddl in (
            PG_EVENTS_IMMUTABLE_FUNCTION,
            PG_EVENTS_IMMUTABLE_TRIGGER,
            PG_DECLARATIONS_IMMUTABLE_TRIGGER,
        ):
            op.execute(sa.text(ddl.statement))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP TRIGGER IF EXISTS event_error_declarations_no_change ON event_error_declarations"
        )
        op.execute("DROP TRIGGER IF EXISTS trace_events_no_change ON trace_events")
        op.execute("DROP FUNCTION IF EXISTS trace_events_immutable()")
    op.drop_table("lot_inputs")
    op.drop_table("event_error_declarations")
    op.drop_table("trace_events")
    op.drop_table("lot_contributions")
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_lots_recall_id_recalls"), type_="foreignkey")
    op.drop_table("recalls")
    op.drop_table("lots")
