"""merge the second wave's migrations, each written beside the others after 0006

Revision ID: 0099_merge
Revises: 0007_kb_english, 0007_guide, 0007_forms, 0007_reports, 0007_sec
Create Date: 2026-12-06 06:30:00
"""

revision = "0099_merge"
down_revision = ("0007_kb_english", "0007_guide", "0007_forms", "0007_reports", "0007_sec")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
