"""Initial schema: medicines, their current pages, append-only revisions, findings, raw documents.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Written out here rather than imported from the ORM models: a migration is a fixed step,
# while the models move on with later migrations.
Timestamp = sa.DateTime(timezone=True)

APPEND_ONLY_MESSAGE = "revisions are append-only: a revision is never updated or deleted"

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER revisions_no_update BEFORE UPDATE ON revisions
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END""",
    f"""CREATE TRIGGER revisions_no_delete BEFORE DELETE ON revisions
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END""",
]
POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION revisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$""",
    """CREATE TRIGGER revisions_no_update_or_delete BEFORE UPDATE OR DELETE ON revisions
        FOR EACH ROW EXECUTE FUNCTION revisions_append_only()""",
    """CREATE TRIGGER revisions_no_truncate BEFORE TRUNCATE ON revisions
        FOR EACH STATEMENT EXECUTE FUNCTION revisions_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "medicines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(255), nullable=False),
        sa.Column("letter", sa.String(8), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("generic_name", sa.Text(), nullable=True),
        sa.Column("form", sa.Text(), nullable=True),
        sa.Column("medicine_json", sa.JSON(), nullable=False),
        sa.Column("medicine_digest", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_medicines"),
        sa.UniqueConstraint("slug", name="uq_medicines_slug"),
    )
    op.create_index("ix_medicines_letter", "medicines", ["letter"])

    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("medicine_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("page_json", sa.JSON(), nullable=False),
        sa.Column("page_digest", sa.String(64), nullable=False),
        sa.Column("content_fingerprint", sa.String(64), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_revisions"),
        sa.ForeignKeyConstraint(["medicine_id"], ["medicines.id"], name="fk_revisions_medicine_id_medicines"),
        sa.UniqueConstraint("medicine_id", "number", name="uq_revisions_medicine_id_number"),
    )

    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("medicine_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("page_json", sa.JSON(), nullable=False),
        sa.Column("page_digest", sa.String(64), nullable=False),
        sa.Column("content_fingerprint", sa.String(64), nullable=False),
        sa.Column("current_revision_id", sa.Integer(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pages"),
        sa.ForeignKeyConstraint(["medicine_id"], ["medicines.id"], name="fk_pages_medicine_id_medicines"),
        sa.ForeignKeyConstraint(
            ["current_revision_id"], ["revisions.id"], name="fk_pages_current_revision_id_revisions"
        ),
        sa.UniqueConstraint("medicine_id", name="uq_pages_medicine_id"),
    )
    op.create_index("ix_pages_status", "pages", ["status"])

    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("medicine_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("section", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
        sa.ForeignKeyConstraint(["medicine_id"], ["medicines.id"], name="fk_findings_medicine_id_medicines"),
        sa.ForeignKeyConstraint(["revision_id"], ["revisions.id"], name="fk_findings_revision_id_revisions"),
    )
    op.create_index("ix_findings_medicine_id", "findings", ["medicine_id"])

    op.create_table(
        "raw_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("content_digest", sa.String(64), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_raw_documents"),
    )
    op.create_index("ix_raw_documents_content_digest", "raw_documents", ["content_digest"])

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRESQL_TRIGGERS}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS revisions_no_truncate ON revisions")
        op.execute("DROP TRIGGER IF EXISTS revisions_no_update_or_delete ON revisions")
        op.execute("DROP FUNCTION IF EXISTS revisions_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS revisions_no_update")
        op.execute("DROP TRIGGER IF EXISTS revisions_no_delete")
    op.drop_table("raw_documents")
    op.drop_table("findings")
    op.drop_table("pages")
    op.drop_table("revisions")
    op.drop_table("medicines")
