"""Draft claims: which process is drafting which medicine, until when (a lease).

Several `medpages generate` processes on one database each claim a medicine before drafting
it, so none is drafted twice; a claim whose process died runs out and may be taken again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "draft_claims",
        sa.Column("medicine_id", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(200), nullable=False),
        sa.Column("claimed_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("medicine_id", name="pk_draft_claims"),
        sa.ForeignKeyConstraint(
            ["medicine_id"], ["medicines.id"], name="fk_draft_claims_medicine_id_medicines", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("draft_claims")
