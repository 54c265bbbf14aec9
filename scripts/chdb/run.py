"""Runs the ClickHouse compatibility corpus on chDB (current ClickHouse, in-process).

Usage: run.py INPUT.json OUTPUT.json

INPUT holds {"ddl": [sql...], "inserts": [[json line...]...], "queries": [{"id", "sql",
"params"?}...]}, written by test/analytics/chdb-compat.e2e-spec.ts (scripts/chdb/corpus.ts).
The DDL runs first, then each insert as one INSERT (the same blocks as on the 18.16 server, so
re-delivered ids land in other parts there and here), then the "maintenance" statements (the
compaction of a few weeks, as on the 18.16 server), then every query with FORMAT JSONCompact.
OUTPUT is {"version", "answers"}, answers mapping each id to {"meta", "data", "rows_read",
"elapsed"} or to {"error"}: a failing query is an answer to compare, not a reason to stop. Progress goes to stderr.
"""

import json
import os
import sys
import tempfile
import time

# The stack's ClickHouse runs in UTC (scripts/stack/clickhouse/config.xml.tmpl); chDB takes the
# process's zone, and toDate(timestamp) in the adapter's WHERE clauses depends on it.
os.environ["TZ"] = "UTC"
time.tzset()

from chdb import session  # noqa: E402  (after TZ is set)


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        spec = json.load(f)
    started = time.monotonic()
    results = {}
    with tempfile.TemporaryDirectory(prefix="chdb-compat-") as path:
        db = session.Session(path)
        try:
            version = db.query("SELECT version()", "TSV").bytes().decode().strip()
            print(f"chdb: ClickHouse {version}", file=sys.stderr)
            for sql in spec["ddl"]:
                db.query(sql)
            for lines in spec["inserts"]:
                db.query(f"INSERT INTO {spec['table']} FORMAT JSONEachRow\n" + "\n".join(lines))
            for sql in spec.get("maintenance", []):
                db.query(sql)
            print(
                f"chdb: schema and {len(spec['inserts'])} inserts in {time.monotonic() - started:.1f} s",
                file=sys.stderr,
            )
            queries = spec["queries"]
            for index, query in enumerate(queries, 1):
                results[query["id"]] = answer(db, query)
                if index % 500 == 0 or index == len(queries):
                    print(f"chdb: {index}/{len(queries)} queries", file=sys.stderr)
        finally:
            db.close()
    with open(target, "w", encoding="utf-8") as f:
        json.dump({"version": version, "answers": results}, f)
    print(f"chdb: done in {time.monotonic() - started:.1f} s", file=sys.stderr)


def answer(db, query):
    try:
        body = json.loads(
            db.query(query["sql"], "JSONCompact", params=query.get("params") or {}).bytes()
        )
    except Exception as error:  # chDB raises its own error types; every one is an answer here
        # chDB 26.9 keeps a failed query's half-written output and prepends it to the next
        # query's (seen here: a TOO_MANY_ROWS read, then two JSON documents): a throwaway query
        # takes it.
        db.query("SELECT 1", "TSV")
        return {"error": str(error)}
    stats = body.get("statistics", {})
    return {
        "meta": body["meta"],
        "data": body["data"],
        "rows_read": stats.get("rows_read"),
        "elapsed": stats.get("elapsed"),
    }


if __name__ == "__main__":
    main()
