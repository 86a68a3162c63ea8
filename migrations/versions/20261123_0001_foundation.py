"""Foundation: cooperatives, members, users, sessions, API tokens, images, audit trail.

Revision ID: 0001
Revises:
Created: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database
from traceapp.audit.models import (
    GENESIS_HASH,
    PG_IMMUTABLE_FUNCTION,
    PG_IMMUTABLE_TRIGGER,
    PG_NO_TRUNCATE_TRIGGER,
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("occurred_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=True),
        sa.Column("cooperative_id", sa.Integer(), nullable=True),
        sa.Column("province", sa.String(length=100), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("summary", sa.String(length=300), nullable=True),
        sa.Column("changes", traceapp.database.JSONType, nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_records")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_records_hash")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_records_seq")),
    )
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_records_action"), ["action"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_records_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index("ix_audit_records_object", ["object_type", "object_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_records_province"), ["province"], unique=False)

    # The chain starts from a genesis head; PostgreSQL refuses any change to a written record.
    op.bulk_insert(
        sa.table(
            "audit_head",
            sa.column("id", sa.Integer),
            sa.column("seq", sa.Integer),
            sa.column("hash", sa.String),
        ),
        [{"id": 1, "seq": 0, "hash": GENESIS_HASH}],
    )
    if op.get_bind().dialect.name == "postgresql":
        for ddl in (PG_IMMUTABLE_FUNCTION, PG_IMMUTABLE_TRIGGER, PG_NO_TRUNCATE_TRIGGER):
            op.execute(sa.text(ddl.statement))

    op.create_table(
        "cooperatives",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_code", sa.String(length=8), nullable=False),
        sa.Column("registration_number", sa.String(length=40), nullable=True),
        sa.Column("province", sa.String(length=100), nullable=False),
        sa.Column("district", sa.String(length=100), nullable=True),
        sa.Column("commune", sa.String(length=100), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("website", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("founded_on", sa.Date(), nullable=True),
        sa.Column("logo", sa.String(length=80), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cooperatives")),
        sa.UniqueConstraint(
            "registration_number", name=op.f("uq_cooperatives_registration_number")
        ),
        sa.UniqueConstraint("short_code", name=op.f("uq_cooperatives_short_code")),
    )
    op.create_table(
        "counters",
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_counters_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cooperative_id", "name", name=op.f("pk_counters")),
    )
    op.create_table(
        "members",
        sa.Column("member_number", sa.String(length=20), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column(
            "gender",
            sa.Enum(
                "female",
                "male",
                "other",
                "unspecified",
                name="gender",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("village", sa.String(length=100), nullable=True),
        sa.Column("commune", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "household",
                "vessel_owner",
                "fisher",
                "farmer",
                "processor",
                "other",
                name="member_role",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("vessel_registration", sa.String(length=30), nullable=True),
        sa.Column("vessel_name", sa.String(length=100), nullable=True),
        sa.Column("flag_state", sa.String(length=3), nullable=True),
        sa.Column("imo_number", sa.String(length=10), nullable=True),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("public_name_consent", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "birth_year IS NULL OR (birth_year >= 1900 AND birth_year <= 2100)",
            name=op.f("ck_members_birth_year_range"),
        ),
        sa.CheckConstraint(
            "left_on IS NULL OR left_on >= joined_on", name=op.f("ck_members_left_after_joined")
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_members_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint(
            "cooperative_id", "member_number", name=op.f("uq_members_cooperative_id_member_number")
        ),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_members_cooperative_id"), ["cooperative_id"], unique=False
        )

    op.create_table(
        "stored_images",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=True),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_stored_images_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_images")),
        sa.UniqueConstraint("key", name=op.f("uq_stored_images_key")),
    )
    with op.batch_alter_table("stored_images", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stored_images_cooperative_id"), ["cooperative_id"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "manager",
                "staff",
                "auditor",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("cooperative_id", sa.Integer(), nullable=True),
        sa.Column("province", sa.String(length=100), nullable=True),
        sa.Column("district", sa.String(length=100), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("last_login_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "password_changed_at", traceapp.database.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(role IN ('manager', 'staff')) = (cooperative_id IS NOT NULL)",
            name=op.f("ck_users_cooperative_matches_role"),
        ),
        sa.CheckConstraint(
            "role <> 'auditor' OR province IS NOT NULL", name=op.f("ck_users_auditor_has_province")
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_users_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_users_cooperative_id"), ["cooperative_id"], unique=False
        )

    op.create_table(
        "api_tokens",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "member_imports",
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("rows", traceapp.database.JSONType, nullable=False),
        sa.Column("imported_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("imported_count", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_member_imports_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_member_imports_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_imports")),
    )
    with op.batch_alter_table("member_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_member_imports_cooperative_id"), ["cooperative_id"], unique=False
        )

    op.create_table(
        "user_sessions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))

    op.drop_table("user_sessions")
    with op.batch_alter_table("member_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_imports_cooperative_id"))

    op.drop_table("member_imports")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_cooperative_id"))

    op.drop_table("users")
    with op.batch_alter_table("stored_images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stored_images_cooperative_id"))

    op.drop_table("stored_images")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_cooperative_id"))

    op.drop_table("members")
    op.drop_table("counters")
    op.drop_table("cooperatives")
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_records_province"))
        batch_op.drop_index("ix_audit_records_object")
        batch_op.drop_index(batch_op.f("ix_audit_records_cooperative_id"))
        batch_op.drop_index(batch_op.f("ix_audit_records_action"))

    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_truncate ON audit_records")
        op.execute("DROP TRIGGER IF EXISTS audit_records_no_change ON audit_records")
        op.execute("DROP FUNCTION IF EXISTS audit_records_immutable()")
    op.drop_table("audit_records")
    op.drop_table("audit_head")
