import { isEmbedOrigin } from './embed-origin';

describe('isEmbedOrigin', () => {
  it.each([
    'https://app.customer.com',
    'https://customer.com:8443',
    'https://a-b.c-d.example',
    'http://localhost',
    'http://localhost:5173',
    'http://127.0.0.1:8080',
  ])('accepts %s', (origin) => expect(isEmbedOrigin(origin)).toBe(true));

  it.each([
    '',
    '*',
    'null',
    'https://',
    'https://app.customer.com/',
    'https://app.customer.com/path',
    'https://app.customer.com?x=1',
    'https://*.customer.com',
    'http://app.customer.com',
    'https://APP.customer.com',
    'https://app.customer.com:0',
    'https://app.customer.com:65536',
    'https://-bad.example',
    "https://a.example 'unsafe-inline'",
    'https://a.example;script-src *',
    'https://a.example,https://b.example',
    'javascript:alert(1)',
    'data:text/html,hi',
    'https://user@app.customer.com',
  ])('refuses %s', (origin) => expect(isEmbedOrigin(origin)).toBe(false));
});
