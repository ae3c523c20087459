"""handoffs to a person through the staff chat; lead history, assignment; KB suggestions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 15:42:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("topic_name", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("owner_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("forum", sa.Boolean(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_owner_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_staff_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.create_index("ix_handoffs_chat_thread", ["chat_id", "thread_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_handoffs_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_handoffs_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "ux_handoffs_open_user",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.create_table(
        "kb_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("staff_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kb_suggestions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_suggestions_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_kb_suggestions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("direction", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("owner_message_id", sa.BigInteger(), nullable=True),
        sa.Column("staff_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("staff_message_id", sa.BigInteger(), nullable=True),
        sa.Column("staff_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["handoff_id"],
            ["handoffs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("handoff_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handoff_messages_handoff_id"), ["handoff_id"], unique=False
        )
        batch_op.create_index(
            "ix_handoff_messages_staff", ["staff_chat_id", "staff_message_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_handoff_messages_user_id"), ["user_id"], unique=False)

    op.create_table(
        "lead_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("by_id", sa.BigInteger(), nullable=True),
        sa.Column("by_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lead_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_events_lead_id"), ["lead_id"], unique=False)

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("assigned_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )

    with op.batch_alter_table("staff_notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_notices", schema=None) as batch_op:
        batch_op.drop_column("thread_id")

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("assigned_name")
        batch_op.drop_column("assigned_id")

    with op.batch_alter_table("lead_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_events_lead_id"))

    op.drop_table("lead_events")
    with op.batch_alter_table("handoff_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoff_messages_user_id"))
        batch_op.drop_index("ix_handoff_messages_staff")
        batch_op.drop_index(batch_op.f("ix_handoff_messages_handoff_id"))

    op.drop_table("handoff_messages")
    with op.batch_alter_table("kb_suggestions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_suggestions_user_id"))
        batch_op.drop_index(batch_op.f("ix_kb_suggestions_status"))

    op.drop_table("kb_suggestions")
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_index(
            "ux_handoffs_open_user",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_index(batch_op.f("ix_handoffs_user_id"))
        batch_op.drop_index(batch_op.f("ix_handoffs_status"))
        batch_op.drop_index("ix_handoffs_chat_thread")

    op.drop_table("handoffs")
