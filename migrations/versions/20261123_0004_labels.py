"""Label runs, serialised labels, rendering jobs and the scan log.

Revision ID: 0004
Revises: 0003
Created: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "label_runs",
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "serialised",
                "lot_copies",
                name="run_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=30), nullable=False),
        sa.Column("ec_level", sa.String(length=1), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_label", sa.String(length=254), nullable=False),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("base_url", sa.String(length=200), nullable=False),
        sa.Column("prints", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("count > 0", name=op.f("ck_label_runs_count_positive")),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_label_runs_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_label_runs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_label_runs_lot_id_lots"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label_runs")),
    )
    with op.batch_alter_table("label_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_label_runs_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_label_runs_lot_id"), ["lot_id"], unique=False)

    op.create_table(
        "labels",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("serial", sa.String(length=20), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("voided_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.String(length=300), nullable=True),
        sa.Column("scan_count", sa.Integer(), nullable=False),
        sa.Column("first_scanned_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_scanned_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("flagged_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("flag_reason", sa.String(length=300), nullable=True),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_labels_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_labels_lot_id_lots"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["label_runs.id"],
            name=op.f("fk_labels_run_id_label_runs"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labels")),
        sa.UniqueConstraint("serial", name=op.f("uq_labels_serial")),
    )
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_labels_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_labels_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index("ix_labels_run_id_seq", ["run_id", "seq"], unique=True)

    op.create_table(
        "render_jobs",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("fmt", sa.String(length=10), nullable=False),
        sa.Column("layout", sa.String(length=30), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                name="job_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_render_jobs_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_render_jobs_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["label_runs.id"],
            name=op.f("fk_render_jobs_run_id_label_runs"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_render_jobs")),
    )
    with op.batch_alter_table("render_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_render_jobs_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_render_jobs_run_id"), ["run_id"], unique=False)

    op.create_table(
        "render_chunks",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["render_jobs.id"],
            name=op.f("fk_render_chunks_job_id_render_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "seq", name=op.f("pk_render_chunks")),
    )

    op.create_table(
        "label_scans",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scanned_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("label_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("cooperative_id", sa.Integer(), nullable=True),
        sa.Column("unknown_serial", sa.String(length=20), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("client_hash", sa.String(length=16), nullable=False),
        sa.Column("ua_class", sa.String(length=10), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label_scans")),
    )
    with op.batch_alter_table("label_scans", schema=None) as batch_op:
        batch_op.create_index(
            "ix_label_scans_cooperative_id_scanned_at",
            ["cooperative_id", "scanned_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_label_scans_label_id_scanned_at", ["label_id", "scanned_at"], unique=False
        )
        batch_op.create_index(
            "ix_label_scans_lot_id_scanned_at", ["lot_id", "scanned_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("label_scans")
    op.drop_table("render_chunks")
    op.drop_table("render_jobs")
    op.drop_table("labels")
    op.drop_table("label_runs")
