"""The authority console: zone inspections.

Revision ID: 0005
Revises: 0004
Created: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zone_inspections",
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("inspector_name", sa.String(length=120), nullable=False),
        sa.Column("boundaries_match", sa.Boolean(), nullable=False),
        sa.Column("farm_diary_kept", sa.Boolean(), nullable=False),
        sa.Column("permitted_inputs_only", sa.Boolean(), nullable=False),
        sa.Column(
            "residue_result",
            sa.Enum(
                "pass",
                "fail",
                "not_sampled",
                name="residue_result",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("gap_certificate_valid", sa.Boolean(), nullable=False),
        sa.Column(
            "result",
            sa.Enum(
                "pass",
                "conditional",
                "fail",
                name="inspection_result",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_label", sa.String(length=254), nullable=False),
        sa.Column("transition_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "follow_up_on IS NULL OR follow_up_on >= inspected_on",
            name=op.f("ck_zone_inspections_follow_up_after_visit"),
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_zone_inspections_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_zone_inspections_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["transition_id"],
            ["zone_transitions.id"],
            name=op.f("fk_zone_inspections_transition_id_zone_transitions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["zones.id"],
            name=op.f("fk_zone_inspections_zone_id_zones"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zone_inspections")),
    )
    with op.batch_alter_table("zone_inspections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_zone_inspections_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index(
            "ix_zone_inspections_zone_id_inspected_on", ["zone_id", "inspected_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("zone_inspections", schema=None) as batch_op:
        batch_op.drop_index("ix_zone_inspections_zone_id_inspected_on")
        batch_op.drop_index(batch_op.f("ix_zone_inspections_cooperative_id"))

    op.drop_table("zone_inspections")
