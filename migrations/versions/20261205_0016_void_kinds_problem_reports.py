"""A voided label's kind of reason; problems shoppers report from the public pages.

Revision ID: 0016
Revises: 0015
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

VOID_KINDS = ("misprint", "damaged", "lost_or_stolen", "wrong_product", "other")
PROBLEM_KINDS = ("fake", "tampered", "quality", "wrong_info", "other")


def upgrade() -> None:
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "void_kind",
                sa.Enum(
                    *VOID_KINDS,
                    name="void_kind",
                    native_enum=False,
                    create_constraint=True,
                    length=20,
                ),
                nullable=True,
            )
        )
    op.create_table(
        "problem_reports",
        sa.Column("label_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=300), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=True),
        sa.Column("label_state", sa.String(length=20), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                *PROBLEM_KINDS,
                name="problem_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("handled_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("handled_by_label", sa.String(length=254), nullable=True),
        sa.Column("handled_note", sa.String(length=300), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_problem_reports_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["label_id"],
            ["labels.id"],
            name=op.f("fk_problem_reports_label_id_labels"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lots.id"],
            name=op.f("fk_problem_reports_lot_id_lots"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_problem_reports_product_id_products"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["stored_images.id"],
            name=op.f("fk_problem_reports_photo_id_stored_images"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problem_reports")),
    )
    with op.batch_alter_table("problem_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_problem_reports_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_problem_reports_label_id"), ["label_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_problem_reports_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_problem_reports_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("problem_reports")
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_labels_void_kind"), type_="check")
        batch_op.drop_column("void_kind")
