/**
 * Retention on ClickHouse. `cohortWhere` and `returnWhere` are the filter's clause with the
 * cohort and the return event type (none: any); `bucket` the bucket start expression in the
 * tenant's timezone. Buckets come back as epoch seconds. Users are their 64-bit hashes (0: no
 * user id), integers instead of strings.
 */
export interface RetentionSqlParts {
  table: string;
  cohortWhere: string;
  returnWhere: string;
  bucket: string;
}

/** Each user's cohort: the bucket of their first cohort event in the range. */
function cohortsSubquery({ table, cohortWhere, bucket }: RetentionSqlParts): string {
  return `SELECT user_hash, min(toUInt32(${bucket})) AS cohort
            FROM ${table}
           WHERE ${cohortWhere} AND user_hash != 0
           GROUP BY user_hash`;
}

/** Rows of (cohort, users): the size of each cohort. */
export function clickhouseCohortSizesSql(parts: RetentionSqlParts): string {
  return `SELECT cohort, count() AS users FROM (${cohortsSubquery(parts)}) GROUP BY cohort`;
}

/**
 * Rows of (cohort, returned, users): a cohort's users with a return event in a bucket. Both
 * sides of the JOIN are aliased: current ClickHouse refuses a joined subquery without one
 * (joined_subquery_requires_alias=1, Code 206); 18.16 accepts either form.
 */
export function clickhouseReturnsSql(parts: RetentionSqlParts): string {
  return `SELECT cohort, returned, count() AS users
            FROM (${cohortsSubquery(parts)}) AS cohorts
            ALL INNER JOIN (
              SELECT DISTINCT user_hash, toUInt32(${parts.bucket}) AS returned
                FROM ${parts.table}
               WHERE ${parts.returnWhere} AND user_hash != 0) AS returns USING user_hash
           WHERE returned >= cohort
           GROUP BY cohort, returned`;
}
