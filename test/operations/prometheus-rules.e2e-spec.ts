import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TEST_METRICS_TOKEN } from '../support/stack-env';
import { bearer, createTestApp, TestApp } from '../support/test-app';
import { PENDING_METRICS } from './pending-metrics';

/**
 * The alert rules and the dashboard of docker/ (issue 16, item 4), with Debian's promtool
 * (scripts/stack.sh promtool installs it): the rules load, their unit tests pass (each alert
 * fires on breaching series and stays silent on healthy ones), the unit tests would catch a
 * broken rule, and every metric the rules and the dashboard read is one the app exports.
 */
const DOCKER = resolve(__dirname, '../../docker');
const RULES = join(DOCKER, 'prometheus/alerts.yml');
const RULE_TESTS = join(DOCKER, 'prometheus/alerts.test.yml');
const CONFIG = join(DOCKER, 'prometheus/prometheus.yml');
const DASHBOARD = join(DOCKER, 'grafana/dashboards/tenantry-operations.json');

function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { encoding: 'utf8', timeout: 60_000 });
  if (run.error)
    throw new Error(`promtool did not run (scripts/stack.sh promtool): ${run.error.message}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Metric names a PromQL text reads: the app's own prefixes, histogram suffixes folded. */
function metricNames(promql: string): string[] {
  const names = [...promql.matchAll(/\b(?:tenantry|http)_[a-z0-9_]+\b/g)].map((m) =>
    m[0].replace(/_(bucket|count|sum)$/, ''),
  );
  return [...new Set(names)];
}

describe('alert rules and dashboard (docker/prometheus, docker/grafana)', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'tenantry-promtool-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('loads: promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', RULES);
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('passes its unit tests: promtool test rules (each alert fires on a breach, silent when healthy)', () => {
    const { status, output } = promtool('test', 'rules', RULE_TESTS);
    // On failure the output names the test case, the alert and the evaluation time.
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('has unit tests that catch a broken rule (a lag threshold of 100 fires on a healthy lag)', () => {
    const broken = readFileSync(RULES, 'utf8').replace(/\) > 1000\n/, ') > 100\n');
    expect(broken).not.toEqual(readFileSync(RULES, 'utf8'));
    writeFileSync(join(work, 'alerts.yml'), broken);
    writeFileSync(join(work, 'alerts.test.yml'), readFileSync(RULE_TESTS, 'utf8'));
    const { status, output } = promtool('test', 'rules', join(work, 'alerts.test.yml'));
    expect(status).not.toBe(0);
    expect(output).toContain('consumer lag under 1000, or over it only briefly, stays silent');
  });

  it('has a Prometheus configuration that loads, with the scrape token from a file', () => {
    const token = join(work, 'metrics_token');
    writeFileSync(token, TEST_METRICS_TOKEN);
    const config = readFileSync(CONFIG, 'utf8')
      .replace('/run/secrets/metrics_token', token)
      .replace(/^ {2}- alerts\.yml$/m, `  - ${RULES}`);
    expect(config).toContain(token);
    writeFileSync(join(work, 'prometheus.yml'), config);
    const { status, output } = promtool('check', 'config', join(work, 'prometheus.yml'));
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('has a dashboard whose every query is valid PromQL (checked as recording rules)', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      uid: string;
      panels: { targets?: { expr: string; datasource: { uid: string } }[] }[];
    };
    const targets = dashboard.panels.flatMap((panel) => panel.targets ?? []);
    expect(targets.length).toBeGreaterThan(10);
    // Every panel reads the provisioned datasource.
    const datasource = readFileSync(
      join(DOCKER, 'grafana/provisioning/datasources/prometheus.yml'),
      'utf8',
    );
    for (const target of targets) expect(datasource).toContain(`uid: ${target.datasource.uid}`);
    const rules = [
      'groups:',
      '  - name: dashboard',
      '    rules:',
      ...targets.flatMap((target, i) => [
        `      - record: dashboard:query_${i}`,
        `        expr: ${JSON.stringify(target.expr)}`,
      ]),
    ].join('\n');
    writeFileSync(join(work, 'dashboard-rules.yml'), `${rules}\n`);
    const { status, output } = promtool('check', 'rules', join(work, 'dashboard-rules.yml'));
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  describe('metric names', () => {
    let t: TestApp;
    let exported: Set<string>;
    beforeAll(async () => {
      t = await createTestApp();
      const scrape = await t.http.get('/metrics').set(bearer(TEST_METRICS_TOKEN)).expect(200);
      exported = new Set([...scrape.text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    });
    afterAll(() => t.close());

    const dashboardExprs = (): string[] => {
      const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
        panels: { targets?: { expr: string }[] }[];
      };
      return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => t.expr));
    };

    it.each([
      ['the alert rules', () => [readFileSync(RULES, 'utf8')]],
      ['the dashboard', dashboardExprs],
    ])('reads in %s only metrics the app exports', (_what, texts) => {
      const used = metricNames(texts().join('\n'));
      expect(used.length).toBeGreaterThan(3);
      const missing = used.filter((name) => !exported.has(name) && !PENDING_METRICS.includes(name));
      expect(missing).toEqual([]);
    });

    it('lists as pending only metrics the app does not export yet', () => {
      expect(PENDING_METRICS.filter((name) => exported.has(name))).toEqual([]);
    });
  });
});
