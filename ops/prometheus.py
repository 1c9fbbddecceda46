"""The Prometheus alert rules (deploy/prometheus/epi-alerts.yml), made from ops/epi-alerts.yml.in
with the schedule's nightly time (`invoke ops.rules`): the rule that says the nightly is missing
names the time the schedule gives it, as /healthz/jobs does. The committed file is the one made
from the default schedule (a test compares them); after `invoke jobs.schedule --nightly-at`, make
it again for your Prometheus."""
from __future__ import annotations

from pathlib import Path

from jobs import schedule as timetable

TEMPLATE = Path(__file__).with_name("epi-alerts.yml.in")
COMMITTED = Path(__file__).resolve().parent.parent / "deploy" / "prometheus" / "epi-alerts.yml"
GENERATED = "Made by `invoke ops.rules` from ops/epi-alerts.yml.in and the schedule (epi.job_schedule); do not edit."


def render(slots: dict[str, timetable.Slot]) -> str:
    text = TEMPLATE.read_text(encoding="utf-8")
    return (text.replace("@GENERATED@", GENERATED)
                .replace("@NIGHTLY_MISSING@", timetable.nightly_missing(slots["nightly"])))
