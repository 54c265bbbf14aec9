#!/usr/bin/env python3
"""Writes dashboards/tenantry-operations.json (run after editing the panels below; the JSON is
what Grafana provisions and what the metric-name test reads)."""
import json
from pathlib import Path

DS = {"type": "prometheus", "uid": "tenantry-prometheus"}

# (title, unit, [(expr, legend)], kind) per panel, in rows of the grid.
ROWS = [
    ("Ingestion", [
        ("Consumer lag by group and partition", "short", [
            ("max by (group, topic, partition) (tenantry_ingestion_consumer_lag_messages)",
             "{{group}} {{topic}}[{{partition}}]"),
            ("max by (group, topic, partition) (tenantry_ingestion_overflow_consumer_lag_messages)",
             "{{group}} {{topic}}[{{partition}}]"),
        ], "timeseries"),
        ("Events accepted and stored /s", "ops", [
            ("sum(rate(tenantry_events_accepted_total[5m]))", "accepted"),
            ("sum by (store) (rate(tenantry_events_stored_total[5m]))", "stored ({{store}})"),
        ], "timeseries"),
        ("Event to queryable p99", "s", [
            ("histogram_quantile(0.99, sum by (le, store) (rate(tenantry_event_to_stored_seconds_bucket[5m])))",
             "p99 {{store}}"),
        ], "timeseries"),
        ("Overflow volume by tier /s", "ops", [
            ("sum by (tier) (rate(tenantry_ingestion_overflow_events_total[5m]))", "{{tier}}"),
        ], "timeseries"),
        ("Hot tenants (on the overflow topic)", "short", [
            ("max(tenantry_ingestion_hot_tenants)", "hot tenants"),
        ], "stat"),
        ("Dead letters by reason /s", "ops", [
            ("sum by (reason) (rate(tenantry_events_dead_lettered_total[5m]))", "{{reason}}"),
            ("sum by (store) (rate(tenantry_events_unstorable_total[5m]))", "store_rejected ({{store}})"),
        ], "timeseries"),
        ("Consumers running", "short", [
            ("sum(tenantry_ingestion_consumer_up)", "main"),
            ("sum(tenantry_ingestion_overflow_consumer_up)", "overflow"),
        ], "stat"),
    ]),
    ("Analytics", [
        ("Analytics query p95 by route and store", "s", [
            ("histogram_quantile(0.95, sum by (le, route, store) (rate(tenantry_analytics_query_duration_seconds_bucket[5m])))",
             "{{route}} ({{store}})"),
        ], "timeseries"),
        ("Share of analytics queries over 5 s", "percentunit", [
            ("1 - sum by (route, store) (rate(tenantry_analytics_query_duration_seconds_bucket{le=\"5\"}[5m])) / sum by (route, store) (rate(tenantry_analytics_query_duration_seconds_count[5m]))",
             "{{route}} ({{store}})"),
        ], "timeseries"),
        ("HTTP p95 by route", "s", [
            ("histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket[5m])))",
             "{{route}}"),
        ], "timeseries"),
        ("Rows read /s by kind and store", "short", [
            ("sum by (kind, store) (rate(tenantry_analytics_query_rows_read_total[5m]))", "{{kind}} ({{store}})"),
        ], "timeseries"),
    ]),
    ("Refusals", [
        ("Rate-limit refusals by tier /s", "ops", [
            ("sum by (tier) (rate(tenantry_rate_limit_refusals_total[5m]))", "{{tier}}"),
        ], "timeseries"),
        ("Quota refusals (events) by tier /s", "ops", [
            ("sum by (tier) (rate(tenantry_quota_events_refused_total[5m]))", "{{tier}}"),
        ], "timeseries"),
        ("Plan refusals /s", "ops", [
            ("sum by (kind, name) (rate(tenantry_plan_refusals_total[5m]))", "{{kind}} {{name}}"),
        ], "timeseries"),
    ]),
    ("Tenants and jobs", [
        ("Silent tenants (names: GET /admin/silent-tenants)", "short", [
            ("max(tenantry_silent_tenants)", "silent"),
        ], "stat"),
        ("Scheduled jobs healthy", "short", [
            ("min by (job) (tenantry_scheduled_job_healthy)", "{{job}}"),
        ], "timeseries"),
        ("Scheduled jobs: seconds since last success", "s", [
            ("time() - max by (job) (tenantry_scheduled_job_last_success_timestamp_seconds)", "{{job}}"),
        ], "timeseries"),
    ]),
    ("Backups (GET /admin/backups)", [
        ("Age of the last successful backup", "s", [
            ("(time() - max(tenantry_backup_last_success_timestamp_seconds)) and on () max(tenantry_backup_last_success_timestamp_seconds) > 0",
             "age"),
        ], "stat"),
        ("Size of the last successful backup", "bytes", [
            ("max(tenantry_backup_last_size_bytes)", "size"),
        ], "stat"),
        ("WAL archiving: failures in 10 min, seconds since the last segment", "short", [
            ("max(increase(tenantry_wal_archive_failed_total[10m]))", "failures"),
            ("time() - max(tenantry_wal_archive_last_success_timestamp_seconds)", "seconds since archived"),
        ], "timeseries"),
    ]),
]


def panel(pid, title, unit, targets, kind, x, y):
    return {
        "id": pid,
        "type": kind,
        "title": title,
        "datasource": DS,
        "gridPos": {"h": 8, "w": 8, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}}
        if kind == "timeseries" else {"reduceOptions": {"calcs": ["lastNotNull"]}},
        "targets": [
            {"refId": chr(65 + i), "datasource": DS, "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(targets)
        ],
    }


def dashboard():
    panels, pid, y = [], 1, 0
    for row_title, row_panels in ROWS:
        panels.append({"id": pid, "type": "row", "title": row_title, "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        pid, y = pid + 1, y + 1
        for i, (title, unit, targets, kind) in enumerate(row_panels):
            panels.append(panel(pid, title, unit, targets, kind, (i % 3) * 8, y + (i // 3) * 8))
            pid += 1
        y += ((len(row_panels) + 2) // 3) * 8
    return {
        "uid": "tenantry-operations",
        "title": "Tenantry operations",
        "tags": ["tenantry"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": []},
        "annotations": {"list": []},
        "panels": panels,
    }


out = Path(__file__).parent / "dashboards" / "tenantry-operations.json"
out.write_text(json.dumps(dashboard(), indent=2) + "\n")
print(out)
