"""Schema version 12: edits that travel between the stations of a clinic, and its shared levels.

A clinic's sync settles an edit made on two stations by the later one (engine/store/clinic/
sync/): each row that can be edited gets when it was last edited, in UTC, and by which
station. Profiles: ``modified_at_utc`` and ``modified_by``; rows from before take their
creation (or archiving, if later) as their last edit, by no station known (NULL). Therapists:
``pin_set_at_utc`` (a PIN changed on one station reaches the others). Default codes:
``set_at_utc`` (the set of a profile is replaced whole, so each row of a set carries the same
time). Nothing else changes in existing rows.

``clinic_levels``: the level files a therapist published to the clinic (``run.py clinic
levels publish``), on the server; stations bring them down into their data folder.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    op.add_column("profiles", sa.Column("modified_at_utc", sa.Text))
    op.add_column("profiles", sa.Column("modified_by", sa.Text))
    op.execute(
        "UPDATE profiles SET modified_at_utc = CASE "
        "WHEN archived_at_utc IS NOT NULL AND archived_at_utc > created_at_utc "
        "THEN archived_at_utc ELSE created_at_utc END"
    )
    op.add_column("therapists", sa.Column("pin_set_at_utc", sa.Text))
    op.execute("UPDATE therapists SET pin_set_at_utc = added_at_utc WHERE pin_hash IS NOT NULL")
    op.add_column("default_codes", sa.Column("set_at_utc", sa.Text))
    op.create_table(
        "clinic_levels",
        sa.Column("level_id", sa.Text, primary_key=True),
        sa.Column("yaml_text", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("published_at_utc", sa.Text, nullable=False),
        sa.Column("station", sa.Text, nullable=False),
    )
