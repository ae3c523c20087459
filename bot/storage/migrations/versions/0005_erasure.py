"""erasure: staff messages that showed a lead, deliveries that outlive their recipient

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_messages_lead_id"), ["lead_id"], unique=False)
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.BigInteger(), nullable=True)
    _redact_stored_free_text()


def _redact_stored_free_text(batch: int = 2000) -> None:
    """Questions and question-leads stored before write-time redaction get it now."""
    from bot.privacy.redaction import redact

    bind = op.get_bind()
    for table, columns, where in (
        ("question_log", ("question",), ""),
        ("leads", ("topic", "topic_label"), " AND topic_kind = 'question'"),
    ):
        last = 0
        while True:
            rows = bind.execute(
                sa.text(
                    f"SELECT id, {', '.join(columns)} FROM {table} "
                    f"WHERE id > :last{where} ORDER BY id LIMIT {batch}"
                ),
                {"last": last},
            ).fetchall()
            if not rows:
                break
            for row in rows:
                values = {c: redact(v) if v else v for c, v in zip(columns, row[1:], strict=True)}
                if any(values[c] != v for c, v in zip(columns, row[1:], strict=True)):
                    sets = ", ".join(f"{c} = :{c}" for c in columns)
                    bind.execute(
                        sa.text(f"UPDATE {table} SET {sets} WHERE id = :id"),
                        {**values, "id": row[0]},
                    )
            last = rows[-1][0]


def downgrade() -> None:
    # Deliveries whose recipient was erased cannot point at anyone again.
    op.execute("DELETE FROM deliveries WHERE user_id IS NULL")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.BigInteger(), nullable=False)
    with op.batch_alter_table("staff_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_messages_lead_id"))
    op.drop_table("staff_messages")
