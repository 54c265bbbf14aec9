import { clickhouseLimitError } from './store-limits';

describe('clickhouseLimitError', () => {
  it('names the limit an 18.16 error message reports, with a 422 or a 503', () => {
    const rows = clickhouseLimitError(
      new Error('Code: 158, e.displayText() = DB::Exception: Limit for rows to read exceeded'),
    );
    expect(rows?.getStatus()).toBe(422);
    expect(rows?.limit).toBe('max_rows_to_read');
    expect(
      clickhouseLimitError(Object.assign(new Error('timeout'), { code: '159' }))?.getStatus(),
    ).toBe(503);
    expect(clickhouseLimitError(new Error('Code: 241, Memory limit exceeded'))?.limit).toBe(
      'max_memory_usage',
    );
  });

  it('leaves every other error alone', () => {
    expect(clickhouseLimitError(new Error('Code: 60, Table does not exist'))).toBeUndefined();
    expect(clickhouseLimitError(new Error('socket hang up'))).toBeUndefined();
    expect(clickhouseLimitError('Code: 158')).toBeUndefined();
  });
});
