"""Records: archiving and retention periods that fit together."""

from __future__ import annotations

from collections.abc import Iterator

from svcstd.lint.base import Hit, release_rule
from svcstd.spec.model import Handbook


@release_rule(
    id="SPEC-501",
    slug="records.retention-shorter-than-archiving",
    title="Records may be destroyed before they must be archived",
    rationale="If the retention period is shorter than the archiving deadline, a record kept "
    "for the minimum time can be gone before the deadline to archive it has passed.",
)
def retention_shorter_than_archiving(handbook: Handbook) -> Iterator[Hit]:
    """For each record type, every retention rule's ``keep_for`` is at least as long as every
    archiving rule's ``within`` (compared approximately: 1bd = 1d, 1mo = 30d, 1y = 365d)."""
    for retention in handbook.retention:
        for archiving in handbook.archiving:
            if archiving.record_type != retention.record_type:
                continue
            if retention.keep_for.approx_seconds() < archiving.within.approx_seconds():
                yield Hit(
                    f"{retention.id} keeps {retention.record_type} records for "
                    f"{retention.keep_for}, less than the {archiving.within} {archiving.id} "
                    "allows for archiving them",
                    retention.where("keep_for"),
                    retention.id,
                )
