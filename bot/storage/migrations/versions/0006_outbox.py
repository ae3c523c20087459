"""staff notices outbox; one campaign per preview

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("buttons", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_notices_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_notices_status"), ["status"], unique=False)
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("preview_key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.create_unique_constraint("uq_campaigns_preview_key", ["preview_key"])


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_constraint("uq_campaigns_preview_key", type_="unique")
        batch_op.drop_column("preview_key")
    with op.batch_alter_table("staff_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_notices_status"))
        batch_op.drop_index(batch_op.f("ix_staff_notices_lead_id"))
    op.drop_table("staff_notices")
