"""The health check's decisions, pure: an SLO indicator's blast radius (one tenant or broad), availability from
the probes, and the intake's security alerts."""

from __future__ import annotations

import pytest

from leadline.domain import signature
from leadline.domain.alarms import Alarm, more_urgent, service_alarms
from leadline.domain.availability import availability_indicators
from leadline.domain.blast_radius import assess
from leadline.domain.intake_security import AUTH_FAILURES, intake_security_alarms
from leadline.domain.slo import SloActivity

CRMS = ("hubspot", "salesforce")
ERRORS = "< 1 % green, 1-5 % yellow, > 5 % red"
QUEUE = "0 pending green, > 50 pending red"


def finished(done: int, failed: int = 0) -> SloActivity:
    return SloActivity(processing_times_s=(30.0,) * (done - failed), finished=done, failed=failed)


def test_one_tenant_failing_is_its_p3_alert_even_when_it_turns_the_overall_rate_red():
    result = assess({"acme": finished(4, failed=3), "globex": finished(20)}, CRMS)
    assert result.alarms == [Alarm("acme", "slo", "slo:error_rate", "P3",
                                   f"SLO error_rate is red for tenant acme alone: 0.75 ({ERRORS}); "
                                   f"single tenant affected")]
    overall = {i.name: (i.level, i.value) for i in result.overall}
    assert overall["error_rate"] == ("red", 0.125)  # 3 of 24: red overall, but only because of acme
    assert result.red_tenants["error_rate"] == ["acme"] and result.held == [("acme", "slo:error_rate")]


def test_two_tenants_failing_is_one_system_wide_alert_at_the_runbook_severity():
    result = assess({"acme": finished(4, failed=3), "globex": finished(10, failed=2), "initech": finished(100)},
                    CRMS)
    assert result.alarms == [Alarm(None, "slo", "slo:error_rate", "P2",
                                   f"SLO error_rate is red across tenants: overall 0.0439 ({ERRORS}); "
                                   f"red on their own: acme, globex")]
    assert result.held == [("acme", "slo:error_rate"), ("globex", "slo:error_rate")]


def test_a_red_total_no_tenant_explains_is_broad():
    spread = assess({"acme": SloActivity(pending=30), "globex": SloActivity(pending=30)}, CRMS)
    assert spread.alarms == [Alarm(None, "slo", "slo:processing_queue", "P3",
                                   f"SLO processing_queue is red across tenants: overall 60 ({QUEUE}); "
                                   f"red on their own: none (the failures are spread across tenants)")]
    # acme alone is red, but without it the others are red too: not acme's alone
    crowded = assess({"acme": SloActivity(pending=60), "globex": SloActivity(pending=30),
                      "initech": SloActivity(pending=30)}, CRMS)
    assert [(a.tenant_id, a.key, a.severity) for a in crowded.alarms] == [(None, "slo:processing_queue", "P3")]
    assert crowded.held == [("acme", "slo:processing_queue")]


def test_one_tenants_crm_failing_is_its_alert_while_the_overall_rate_is_green():
    result = assess({"acme": SloActivity(crm_attempts={"hubspot": (10, 5)}),
                     "globex": SloActivity(crm_attempts={"hubspot": (100, 100), "salesforce": (50, 50)})}, CRMS)
    overall = {i.name: (i.level, i.value) for i in result.overall}
    assert overall["crm_sync_hubspot"] == ("green", 105 / 110) and overall["crm_sync_salesforce"][0] == "green"
    assert [(a.tenant_id, a.key, a.severity) for a in result.alarms] == [("acme", "slo:crm_sync_hubspot", "P3")]


def test_webhook_latency_is_system_wide_and_all_green_raises_nothing():
    result = assess({"acme": finished(10)}, CRMS, intake_p95_s=6.0)
    assert [(a.tenant_id, a.key, a.severity) for a in result.alarms] == [(None, "slo:webhook_latency_p95", "P2")]
    assert assess({"acme": finished(10)}, CRMS, intake_p95_s=1.0).alarms == []
    assert assess({}, CRMS).alarms == []


def probes(healthy: int, unhealthy: int) -> dict[str, tuple[int, int]]:
    return {"database": (healthy, healthy + unhealthy)}


@pytest.mark.parametrize(("earlier", "now", "level", "value", "severity"), [
    (probes(10, 3), "unhealthy", "green", None, "P2"),  # 14 probes: not judged yet
    (probes(998, 2), "healthy", "yellow", 0.998, "P2"),  # below the 99.9 % SLO, above the alert threshold
    (probes(994, 6), "unhealthy", "red", 0.99301, "P2"),  # 994 of 1001 (this probe failed too): < 99.5 %
    (probes(296, 3), "healthy", "red", 0.99, "P2"),  # 297 of 300, exactly 99 %: not critical
    (probes(296, 4), "healthy", "red", 0.98671, "P1"),  # < 99 %: critical
])
def test_availability_is_the_share_of_healthy_probes_against_the_runbook_targets(earlier, now, level, value,
                                                                                 severity):
    [found] = availability_indicators(earlier, {"database": now})
    assert (found.name, found.level, found.value, found.severity) == ("availability_database", level, value,
                                                                      severity)


def test_services_down_are_p1_for_the_database_and_p2_otherwise():
    alarms = service_alarms({"database": "unhealthy", "storage": "healthy", "speech_api": "unhealthy"},
                            {"speech_api": "HTTP 503"})
    assert alarms == [Alarm(None, "service", "service:database", "P1", "database is unhealthy"),
                      Alarm(None, "service", "service:speech_api", "P2", "speech_api is unhealthy: HTTP 503")]
    assert more_urgent("P1", "P2") and not more_urgent("P2", "P2") and not more_urgent("P3", "P2")


def test_blocks_raise_potential_brute_force_and_signature_failures_over_10_percent_high_auth_failure_rate():
    counts = [
        ("acme", "accepted", 30), ("acme", "invalid_signature", 4), ("acme", "stale_timestamp", 1),
        ("acme", "block_started", 2),  # not requests: acme's 5 failures are of 35 requests, 14 %
        ("globex", "accepted", 15), ("globex", "invalid_signature", 4),  # 19 requests: too few to judge
        ("initech", "accepted", 90), ("initech", "missing_signature", 10),  # exactly 10 %: not above it
        ("umbrella", "accepted", 50), ("umbrella", "rate_limited", 40), ("umbrella", "unknown_tenant", 9),
        (None, "unknown_tenant", 12), (None, "block_started", 1),
    ]
    assert intake_security_alarms(counts, 60) == [
        Alarm(None, "security", "security:potential_brute_force", "P2",
              "PotentialBruteForce: 1 client address block(s) after repeated signature failures on webhooks naming "
              "no registered tenant in the last 60 min; the addresses are in the intake's rejection log (lines "
              "`webhook rejected: ...`)"),
        Alarm("acme", "security", "security:potential_brute_force", "P2",
              "PotentialBruteForce: 2 client address block(s) after repeated signature failures on tenant acme in "
              "the last 60 min; the addresses are in the intake's rejection log (lines `webhook rejected: "
              "reason=... tenant=acme client=...`)"),
        Alarm("acme", "security", "security:high_auth_failure_rate", "P2",
              "HighAuthFailureRate: 5 of 35 webhook requests for tenant acme failed authentication in the last "
              "60 min (> 10% of at least 20): invalid_signature 4, stale_timestamp 1"),
    ]


def test_every_signature_rejection_counts_as_an_authentication_failure():
    reasons = set()
    for attempt in (lambda: signature.parse_timestamp(None, 1000), lambda: signature.parse_timestamp("x", 1000),
                    lambda: signature.parse_timestamp("1", 1000), lambda: signature.parse_timestamp("9999", 1000),
                    lambda: signature.check_signature_format(None), lambda: signature.check_signature_format("md5=1"),
                    lambda: signature.check_signature_format("sha256=zz"),
                    lambda: signature.verify("secret", "1", b"{}", "sha256=" + "0" * 64)):
        with pytest.raises(signature.SignatureError) as err:
            attempt()
        reasons.add(err.value.reason)
    assert reasons == AUTH_FAILURES
