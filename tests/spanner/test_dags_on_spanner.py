"""The DAGs and the dashboard with the store on Spanner: the suites' own tests, collected here so that their
`store_url` and `leadline_db` connection are this tier's (a fresh emulator database, a gcpspanner connection).
Each DAG runs at least once: call_dispatch and call_processing, health_check, maintenance_daily,
maintenance_weekly, the tenant actions, and the sales-intelligence DAGs (sync_salesforce, sync_gmail,
sync_dialpad, sync_hubspot, sync_callrail, entity_resolution, embeddings, account_scoring)."""

from __future__ import annotations

import pytest

from tests.crm.test_intelligence_dags import (  # noqa: F401
    test_daily_checks_follow_scoring_and_alert_when_no_account_was_scored,
    test_failed_source_is_recorded_and_the_retry_succeeds,
    test_gmail_dialpad_hubspot_syncs_then_resolution_embeddings_and_checks,
    test_incremental_sync_and_repeatable_backfill,
    test_resolution_with_manual_override_then_scoring,
    test_sync_callrail_recovers_missed_calls_once,
)
from tests.crm.test_manual_syncs import (  # noqa: F401
    test_gmail_sync_of_one_mailbox_and_a_mailbox_no_tenant_has,
    test_hubspot_full_sync_per_object_reads_hubspots_whole_list,
    test_salesforce_full_sync_of_one_object_takes_all_its_records_whatever_the_interval,
)
from tests.dags.test_call_pipeline import (  # noqa: F401
    pipeline,
    test_hot_lead_is_dispatched_once_and_processed,
    test_short_call_is_skipped_with_reason,
    test_unsupported_audio_fails_without_retrying,
)
from tests.dags.test_ops_dags import (  # noqa: F401
    test_backlog_of_60_is_red_alerts_once_and_resolves_when_drained,
    test_failed_requests_retried_by_tenant_and_reason_only_when_not_a_dry_run,
    test_healthy_store_is_green,
    test_intake_health_carries_the_latest_slo_levels,
    test_maintenance_backfill_over_seven_days_is_idempotent,
    test_pause_resume_and_reprocess,
    test_retention_purges_only_old_calls_of_their_own_tenant,
    test_stuck_request_fails_after_max_attempts,
    test_stuck_request_is_requeued_then_processed,
    test_weekly_report_per_tenant,
)
from tests.dashboard.test_queries import (  # noqa: F401
    test_call_detail_breaks_the_score_down_by_weight_and_links_crm_records,
    test_calls_list_filters_by_status_score_and_day_within_the_tenant,
    test_memberships_are_per_user_and_refuse_unknown_tenants,
    test_overview_counts_today_and_grades_with_runbook_thresholds,
)

pytestmark = pytest.mark.spanner


def test_the_store_these_tests_use_is_spanner(store_conn, seeded_engine):
    from leadline.hooks.store import LeadlineStoreHook

    hook = LeadlineStoreHook()
    assert hook.connection.conn_type == "gcpspanner"
    assert hook.get_conn().dialect.name == seeded_engine.dialect.name == "spanner+spanner"
