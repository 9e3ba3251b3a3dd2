"""The answer log and one vote per answer (the schema of issue 11).

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Adopts a database made by the pre-Alembic `create_all`: tables and indexes that exist are kept,
and duplicate votes from before the unique index are folded into each answer's latest one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    existing = set(inspector.get_table_names())
    if "answers" not in existing:
        op.create_table(
            "answers",
            sa.Column("id", sa.String(64), primary_key=True),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("channel", sa.String(32), nullable=False),
            sa.Column("question", sa.Text(), nullable=False),
            sa.Column("standalone_question", sa.Text(), nullable=False),
            sa.Column("answer", sa.Text(), nullable=False),
            sa.Column("language", sa.String(8), nullable=False),
            sa.Column("refused", sa.Boolean(), nullable=False),
            sa.Column("sources", sa.JSON(), nullable=False),
        )
        op.create_index("ix_answers_created_at", "answers", ["created_at"])
    if "feedback" not in existing:
        op.create_table(
            "feedback",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column(
                "answer_id",
                sa.String(64),
                sa.ForeignKey("answers.id", ondelete="CASCADE"),
                nullable=False,
            ),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("rating", sa.String(8), nullable=False),
            sa.Column("comment", sa.Text(), nullable=True),
            sa.Column("channel", sa.String(32), nullable=False),
        )
        op.create_index("ix_feedback_created_at", "feedback", ["created_at"])
        indexes: set[str] = set()
    else:
        indexes = {ix["name"] for ix in inspector.get_indexes("feedback")}
    if "uq_feedback_answer_id" not in indexes:
        # Keep each answer's latest vote (what the upsert keeps), then make one vote the rule.
        op.execute(
            "DELETE FROM feedback WHERE id NOT IN "
            "(SELECT max_id FROM (SELECT MAX(id) AS max_id FROM feedback GROUP BY answer_id) AS k)"
        )
        op.create_index("uq_feedback_answer_id", "feedback", ["answer_id"], unique=True)


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("answers")
