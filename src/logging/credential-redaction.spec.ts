import { redactingErrorSerializer, redactUrl, redactUrlsInText } from './credential-redaction';

describe('credential redaction in logged URLs', () => {
  it('keeps a URL without credentials byte for byte', () => {
    for (const url of [
      '/v1/settings',
      '/v1/analytics/breakdown?filters[country]=DE&to=2026-01-01T00:00:00Z',
      '/x?%E0%A4%A=bad-escape',
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
  });

  it('replaces every value of a credential parameter, whatever its spelling', () => {
    expect(redactUrl('/embed/dashboards/d?token=a.b.c')).toBe(
      '/embed/dashboards/d?token=%5Bredacted%5D',
    );
    expect(redactUrl('/p?Access-Token=1&keep=2&token=3&token=4&%61pi_key=5')).toBe(
      '/p?Access-Token=%5Bredacted%5D&keep=2&token=%5Bredacted%5D&token=%5Bredacted%5D&api_key=%5Bredacted%5D',
    );
    expect(redactUrl('/p?refresh_token=r&password=p&client_secret=s&x_api_key=k')).not.toMatch(
      /=(r|p|s|k)(&|$)/,
    );
  });

  it('redacts query credentials and URL passwords inside free text', () => {
    expect(
      redactUrlsInText(
        'GET https://a.example/x?sig=abc&page=2 then postgres://app:hunter2@db:5432/t and ?tok=ok',
      ),
    ).toBe(
      'GET https://a.example/x?sig=[redacted]&page=2 then postgres://app:[redacted]@db:5432/t and ?tok=ok',
    );
  });

  it('applies to the message and stack of a logged error', () => {
    const serialized = redactingErrorSerializer(new Error('fetch /embed/d?token=eyJ.x.y failed'));
    expect(serialized.message).toBe('fetch /embed/d?token=[redacted] failed');
    expect(String(serialized.stack)).not.toContain('eyJ.x.y');
    expect(serialized.type).toBe('Error');
  });
});
