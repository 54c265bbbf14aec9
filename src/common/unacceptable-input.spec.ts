import { findUnacceptableInput, MAX_ENTRIES } from './unacceptable-input';

const find = (value: unknown, checkText = true) =>
  findUnacceptableInput(value, '', { checkText, root: 'body' });

describe('findUnacceptableInput', () => {
  it('takes ordinary text, emoji pairs and lists up to the limit', () => {
    expect(find({ name: 'Zoë 👩‍👩‍👧‍👦', tags: Array(MAX_ENTRIES).fill('x') })).toBeNull();
  });

  it('names a lone surrogate in a value or a key, and a NUL', () => {
    expect(find({ user: { email: 'a\ud800b@x.example' } })?.field).toBe('user.email');
    expect(find({ widgets: [{ title: '\udc00' }] })?.field).toBe('widgets[0].title');
    expect(find({ filters: { 'a\ud800': 1 } })).toEqual({
      field: 'filters.a\ud800',
      message: expect.stringContaining('lone surrogate'),
    });
    expect(find({ name: 'a\u0000b' })?.message).toBe('name must not contain NUL characters');
  });

  it('names a list or object over the limit before walking into it', () => {
    expect(find({ widgets: Array(MAX_ENTRIES + 1).fill(1) })).toEqual({
      field: 'widgets',
      message: `widgets holds more than ${MAX_ENTRIES} entries`,
    });
    const keys = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));
    expect(find({ widgets: [{ options: keys }] })?.field).toBe('widgets[0].options');
    expect(find(keys)?.field).toBe('body');
  });

  it('bounds sizes but leaves text to routes that check each item themselves', () => {
    expect(find({ events: [{ user_id: '\ud800' }] }, false)).toBeNull();
    expect(find({ events: Array(MAX_ENTRIES + 1).fill({}) }, false)?.field).toBe('events');
  });
});
