"""Build manifest: what each output folder's last build published of each medicine (issue 12).

`builds` has a row per output folder (a build target), `build_pages` a row per medicine it
published; two covering indexes let a build find what changed without reading any page.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "builds",
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("out_dir", sa.Text(), nullable=False),
        sa.Column("render_version", sa.String(64), nullable=False),
        sa.Column("stamp", sa.String(64), nullable=False),
        sa.Column("built_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("target", name="pk_builds"),
    )
    op.create_table(
        "build_pages",
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("medicine_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("medicine_digest", sa.String(64), nullable=False),
        sa.Column("source_revision_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.Column("published", sa.String(16), nullable=False),
        sa.Column("render_version", sa.String(64), nullable=False),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("target", "medicine_id", name="pk_build_pages"),
    )
    op.create_index("ix_build_pages_changes",
                    "build_pages", ["target", "medicine_id", "medicine_digest", "source_revision_id", "render_version"])
    op.create_index("ix_build_pages_target_published_slug", "build_pages", ["target", "published", "slug"])
    op.create_index("ix_medicines_id_medicine_digest", "medicines", ["id", "medicine_digest"])
    op.create_index("ix_pages_medicine_id_current_revision_id", "pages", ["medicine_id", "current_revision_id"])


def downgrade() -> None:
    op.drop_index("ix_pages_medicine_id_current_revision_id", table_name="pages")
    op.drop_index("ix_medicines_id_medicine_digest", table_name="medicines")
    op.drop_index("ix_build_pages_target_published_slug", table_name="build_pages")
    op.drop_index("ix_build_pages_changes",
                  table_name="build_pages")
    op.drop_table("build_pages")
    op.drop_table("builds")
