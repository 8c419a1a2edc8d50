"""Reference labels: one row per label set id with its facts and sections, and an ingredient index.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Written out here rather than imported from the ORM models: a migration is a fixed step.
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_kind", sa.String(16), nullable=False),
        sa.Column("set_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("ingredients_key", sa.Text(), nullable=False),
        sa.Column("ingredient_count", sa.Integer(), nullable=False),
        sa.Column("facts_json", sa.JSON(), nullable=False),
        sa.Column("sections_json", sa.JSON(), nullable=False),
        sa.Column("facts_digest", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_labels"),
        sa.UniqueConstraint("set_id", name="uq_labels_set_id"),
    )
    op.create_table(
        "label_ingredients",
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.Column("ingredient", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("label_id", "ingredient", name="pk_label_ingredients"),
        sa.ForeignKeyConstraint(
            ["label_id"], ["labels.id"], name="fk_label_ingredients_label_id_labels", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_label_ingredients_ingredient", "label_ingredients", ["ingredient"])


def downgrade() -> None:
    op.drop_table("label_ingredients")
    op.drop_table("labels")
