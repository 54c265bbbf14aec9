import { errorBody } from './all-exceptions.filter';

describe('errorBody', () => {
  it('answers an exhausted database pool as 503, a load the caller may retry', () => {
    expect(errorBody(new Error('timeout exceeded when trying to connect'))).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.stringMatching(/busy/),
    });
  });

  it('still answers any other unknown error as a bare 500', () => {
    expect(errorBody(new Error('timeout exceeded when trying to connect!'))).toMatchObject({
      statusCode: 500,
      message: 'Internal server error',
    });
  });
});
