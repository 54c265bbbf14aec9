import { isMetering, meterReads, recordRead, recordTransactionReads } from './read-meter';

describe('read meter', () => {
  it('sums per-query reads and the latest total of each transaction', async () => {
    const a = {};
    const b = {};
    const { reads } = await meterReads(async () => {
      recordRead(10, 100);
      await Promise.all([
        (async () => recordTransactionReads(a, { rowsRead: 5, bytesRead: 50 }))(),
        (async () => recordTransactionReads(a, { rowsRead: 3, bytesRead: 30 }))(),
        (async () => recordTransactionReads(b, { rowsRead: 7, bytesRead: 70 }))(),
      ]);
      recordRead(1, 1);
    });
    expect(reads).toEqual({ rowsRead: 10 + 1 + 5 + 7, bytesRead: 100 + 1 + 50 + 70 });
  });

  it('keeps concurrent requests apart and ignores reads outside a meter', async () => {
    recordRead(1000, 1000);
    expect(isMetering()).toBe(false);
    const [one, two] = await Promise.all([
      meterReads(async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        recordRead(1, 1);
      }),
      meterReads(async () => {
        recordRead(2, 2);
        expect(isMetering()).toBe(true);
      }),
    ]);
    expect(one.reads.rowsRead).toBe(1);
    expect(two.reads.rowsRead).toBe(2);
  });
});
