"""Spanish lines for staff: progress, the final report, a campaign's status.

Pure functions from values to strings, shared by the CLI and (through the
same texts) anything else that shows a campaign to staff.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.broadcast import phrases
from bot.broadcast.engine import Progress, RunReport
from bot.broadcast.quiet import lima_datetime, lima_time
from bot.storage.models import Campaign

#: The order statuses are listed in: outcomes first, then what is left.
ORDER = ("sent", "blocked", "failed", "unknown", "pending", "sending")
BAR_WIDTH = 24


def segment(region: str | None, sector: str | None) -> str:
    """ "región arequipa · sector textil", or "todos" when the campaign has no filter."""
    parts = []
    if region:
        parts.append(phrases.SEGMENT_REGION.format(region=region))
    if sector:
        parts.append(phrases.SEGMENT_SECTOR.format(sector=sector))
    return " · ".join(parts) or "todos"


def segment_suffix(region: str | None, sector: str | None) -> str:
    """For sentences: " en región arequipa" or " (todos los suscriptores)"."""
    if not region and not sector:
        return phrases.SEGMENT_ALL
    return " en " + segment(region, sector)


def duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def progress_line(progress: Progress) -> str:
    """One line, redrawn in place: bar, percentage, done/total and counts."""
    filled = round(BAR_WIDTH * progress.percent / 100)
    bar = "█" * filled + "░" * (BAR_WIDTH - filled)
    counts = progress.counts
    parts = [f"{bar} {progress.percent:5.1f}%", f"{progress.finished}/{progress.total}"]
    for status, label in phrases.PROGRESS_LABEL.items():
        if counts.get(status, 0) or status != "unknown":
            parts.append(f"{label} {counts.get(status, 0)}")
    if progress.quiet_until is not None:
        parts.append(phrases.QUIET_UNTIL.format(time=lima_time(progress.quiet_until)))
    return " · ".join(parts)


def count_lines(counts: dict[str, int]) -> list[str]:
    return [
        phrases.REPORT_COUNT.format(
            label=phrases.DELIVERY_STATUS[status], count=counts.get(status, 0)
        )
        for status in ORDER
        if counts.get(status, 0) or status in ("sent", "blocked", "failed")
    ]


def outcome_line(report: RunReport) -> str:
    template = phrases.OUTCOME[report.outcome]
    failures, _, reason = (report.detail or "").partition(" × ")
    return template.format(
        id=report.campaign_id,
        status=phrases.CAMPAIGN_STATUS.get(report.status, report.status),
        failures=failures,
        reason=reason,
    )


def final_report(report: RunReport) -> list[str]:
    """The report printed when a run ends."""
    lines = [outcome_line(report)]
    if report.outcome in ("busy", "not_running"):
        return lines
    lines += count_lines(report.counts)
    if report.counts.get("unknown"):
        lines.append(phrases.UNKNOWN_NOTE.format(count=report.counts["unknown"]))
    lines.append(
        phrases.REPORT_SPEED.format(
            duration=duration(report.duration), rate=report.sends_per_second
        )
    )
    if report.flood_waits:
        lines.append(phrases.REPORT_FLOOD.format(count=report.flood_waits))
    if report.quiet_seconds >= 1:
        lines.append(phrases.REPORT_QUIET.format(duration=duration(report.quiet_seconds)))
    return lines


def list_lines(campaigns: Sequence[Campaign], counts: dict[int, dict[str, int]]) -> list[str]:
    if not campaigns:
        return [phrases.NO_CAMPAIGNS]
    lines = [phrases.LIST_HEADER]
    for campaign in campaigns:
        assert campaign.id is not None
        lines.append(
            phrases.LIST_ROW.format(
                id=campaign.id,
                status=phrases.CAMPAIGN_STATUS.get(campaign.status, campaign.status),
                created=lima_datetime(campaign.created_at),
                segment=segment(campaign.region, campaign.sector)[:26],
                sent=counts.get(campaign.id, {}).get("sent", 0),
                total=campaign.total,
            )
        )
    return lines


def status_lines(
    campaign: Campaign,
    counts: dict[str, int],
    reasons: Sequence[tuple[str, int]],
    unknown_users: Sequence[int],
) -> list[str]:
    """Everything staff need to know about one campaign."""
    lines = [
        phrases.STATUS_TITLE.format(
            id=campaign.id, status=phrases.CAMPAIGN_STATUS.get(campaign.status, campaign.status)
        ),
        phrases.STATUS_CREATED.format(
            created=lima_datetime(campaign.created_at),
            segment=segment(campaign.region, campaign.sector),
        ),
    ]
    if campaign.finished_at is not None:
        lines.append(phrases.STATUS_FINISHED.format(finished=lima_datetime(campaign.finished_at)))
    if campaign.lease_owner and campaign.lease_until is not None:
        lines.append(
            phrases.STATUS_WORKER.format(
                owner=campaign.lease_owner, until=lima_datetime(campaign.lease_until)[-5:]
            )
        )
    preview = " ".join(campaign.text.split())
    lines.append(
        phrases.STATUS_TEXT.format(preview=preview[:70] + ("…" if len(preview) > 70 else ""))
    )
    total = sum(counts.values())
    done = total - counts.get("pending", 0) - counts.get("sending", 0)
    lines.append(phrases.STATUS_PROGRESS.format(done=done, total=total))
    lines += count_lines(counts)
    if reasons:
        lines.append(phrases.STATUS_REASONS)
        lines += [phrases.STATUS_REASON.format(count=n, reason=r) for r, n in reasons]
    if unknown_users:
        lines.append(phrases.UNKNOWN_NOTE.format(count=counts.get("unknown", len(unknown_users))))
        lines.append(phrases.UNKNOWN_IDS.format(ids=", ".join(str(u) for u in unknown_users)))
    return lines
