import { useState } from 'preact/hooks';
import type { Schemas } from '../../../api-client';
import { call } from '../../shared/api';
import { EmptyState } from '../../shared/ui/empty-state';
import { Field } from '../../shared/ui/field';
import { Loading } from '../../shared/ui/loading';
import { Pager } from '../../shared/ui/pager';
import { ProblemBanner } from '../../shared/ui/problem-banner';
import { useResource } from '../../shared/use-resource';
import { useWorkspace } from '../workspace';
import { TableWrap } from '../ui/table-wrap';

const number = new Intl.NumberFormat();
const usd = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' });
const LIMIT = 12;

function isoDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** /v1/usage, /v1/usage/daily, /v1/invoices/upcoming and /v1/invoices: what the plan allows, what was used, what is billed. */
export function UsagePage() {
  return (
    <>
      <h1>Usage and invoices</h1>
      <CurrentUsage />
      <DailyUsage />
      <UpcomingInvoice />
      <Invoices />
    </>
  );
}

function CurrentUsage() {
  const { api } = useWorkspace();
  const usage = useResource(() => call(api.GET('/v1/usage')), []);
  if (usage.problem) return <ProblemBanner problem={usage.problem} />;
  if (!usage.data) return <Loading />;
  const data = usage.data;
  const reached = data.warnings.filter((warning) => warning.reached);
  return (
    <section class="card" aria-labelledby="this-month">
      <h2 id="this-month">
        This period ({new Date(data.period.start).toLocaleDateString()} to{' '}
        {new Date(data.period.end).toLocaleDateString()}), plan {data.plan}
      </h2>
      {reached.length > 0 && (
        <p class="problem" role="status">
          {reached[reached.length - 1].threshold}% of the monthly event quota is used.
          {data.events.over_quota === 'refuse'
            ? ' Past 100%, events are refused.'
            : ' Past 100%, events are billed as overage.'}
        </p>
      )}
      <div class="stats">
        <div class="stat" data-metric="events-accepted">
          <div>Events accepted</div>
          <div class="value" data-value={data.events.accepted}>
            {number.format(data.events.accepted)}
          </div>
          <div class="hint">
            of {number.format(data.events.limit)} ({data.events.percentage}%)
          </div>
        </div>
        <div class="stat">
          <div>Rejected</div>
          <div class="value">{number.format(data.events.rejected)}</div>
        </div>
        <div class="stat">
          <div>Users</div>
          <div class="value">{data.users.count}</div>
          <div class="hint">
            {data.users.limit === null ? 'unlimited' : `of ${data.users.limit}`}
          </div>
        </div>
        <div class="stat">
          <div>Event sources</div>
          <div class="value">{data.event_sources.count}</div>
          <div class="hint">
            {data.event_sources.limit === null ? 'unlimited' : `of ${data.event_sources.limit}`}
          </div>
        </div>
        <div class="stat">
          <div>Storage</div>
          <div class="value">
            {data.storage.bytes === null
              ? 'not measured yet'
              : `${(data.storage.bytes / 1e6).toFixed(1)} MB`}
          </div>
          <div class="hint">of {(data.storage.limit / 1e9).toFixed(0)} GB</div>
        </div>
      </div>
    </section>
  );
}

function DailyUsage() {
  const { api } = useWorkspace();
  const [from, setFrom] = useState(isoDay(Date.now() - 29 * 86_400_000));
  const [to, setTo] = useState(isoDay(Date.now()));
  const daily = useResource(
    () => call(api.GET('/v1/usage/daily', { params: { query: { from, to } } })),
    [from, to],
  );
  return (
    <section class="card" aria-labelledby="daily">
      <h2 id="daily">Per day</h2>
      <div class="toolbar">
        <Field
          label="From"
          name="from"
          type="date"
          max={to}
          value={from}
          problem={daily.problem}
          onInput={(event) => event.currentTarget.value && setFrom(event.currentTarget.value)}
        />
        <Field
          label="To"
          name="to"
          type="date"
          min={from}
          value={to}
          problem={daily.problem}
          onInput={(event) => event.currentTarget.value && setTo(event.currentTarget.value)}
        />
      </div>
      <p class="hint">At most 366 days.</p>
      <ProblemBanner problem={daily.problem} />
      {!daily.data && !daily.problem && <Loading />}
      {daily.data &&
        (daily.data.data.length === 0 ? (
          <EmptyState>No usage in this period</EmptyState>
        ) : (
          <TableWrap label="Usage per day">
            <table>
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col">Accepted</th>
                  <th scope="col">Stored</th>
                  <th scope="col">Rejected</th>
                  <th scope="col">Dead-lettered</th>
                </tr>
              </thead>
              <tbody>
                {daily.data.data.map((row) => (
                  <tr key={row.day}>
                    <td>{row.day}</td>
                    <td>{number.format(row.accepted)}</td>
                    <td>{number.format(row.stored)}</td>
                    <td>{number.format(row.rejected)}</td>
                    <td>{number.format(row.dead_lettered)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ))}
    </section>
  );
}

function UpcomingInvoice() {
  const { api } = useWorkspace();
  const upcoming = useResource(() => call(api.GET('/v1/invoices/upcoming')), []);
  return (
    <section class="card" aria-labelledby="upcoming">
      <h2 id="upcoming">Upcoming invoice</h2>
      <ProblemBanner problem={upcoming.problem} />
      {!upcoming.data && !upcoming.problem && <Loading />}
      {upcoming.data && <InvoiceLines invoice={upcoming.data} />}
    </section>
  );
}

function InvoiceLines({ invoice }: { invoice: Schemas['InvoiceResponse'] }) {
  return (
    <>
      <TableWrap label="Upcoming invoice lines">
        <table>
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col">Amount</th>
            </tr>
          </thead>
          <tbody>
            {invoice.lines.map((line, index) => (
              <tr key={index}>
                <td>{line.description}</td>
                <td>{usd.format(line.amount_cents / 100)}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">Total</th>
              <td>
                <strong>{usd.format(invoice.total_cents / 100)}</strong>
              </td>
            </tr>
          </tbody>
        </table>
      </TableWrap>
      <p class="hint">
        {number.format(invoice.events_used)} events of {number.format(invoice.events_included)}{' '}
        included; {number.format(invoice.events_overage)} over.
      </p>
    </>
  );
}

function Invoices() {
  const { api } = useWorkspace();
  const [page, setPage] = useState(1);
  const [shown, setShown] = useState<Schemas['InvoiceResponse'] | null>(null);
  const invoices = useResource(
    () => call(api.GET('/v1/invoices', { params: { query: { page, limit: LIMIT } } })),
    [page],
  );
  return (
    <section class="card" aria-labelledby="invoices">
      <h2 id="invoices">Invoices</h2>
      <ProblemBanner problem={invoices.problem} />
      {!invoices.data && !invoices.problem && <Loading />}
      {invoices.data &&
        (invoices.data.data.length === 0 ? (
          <EmptyState>No invoices yet: the first is finalised after this month ends</EmptyState>
        ) : (
          <TableWrap label="Invoices table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Number</th>
                  <th scope="col">Period</th>
                  <th scope="col">Events</th>
                  <th scope="col">Total</th>
                </tr>
              </thead>
              <tbody>
                {invoices.data.data.map((invoice) => (
                  <tr key={invoice.id}>
                    <td>
                      <button
                        type="button"
                        aria-expanded={shown?.id === invoice.id}
                        onClick={() => setShown(shown?.id === invoice.id ? null : invoice)}
                      >
                        {invoice.number}
                      </button>
                    </td>
                    <td>
                      {new Date(invoice.period_start).toLocaleDateString()} –{' '}
                      {new Date(invoice.period_end).toLocaleDateString()}
                    </td>
                    <td>{number.format(invoice.events_used)}</td>
                    <td>{usd.format(invoice.total_cents / 100)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ))}
      {invoices.data && (
        <Pager page={page} limit={LIMIT} total={invoices.data.total} onPage={setPage} />
      )}
      {shown && (
        <section aria-label={`Invoice ${shown.number ?? ''}`}>
          <h3>Invoice {shown.number}</h3>
          <InvoiceLines invoice={shown} />
        </section>
      )}
    </section>
  );
}
