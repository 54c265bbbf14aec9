// Lets node run our TypeScript directly (the simulator, fault-test child processes), compiled by SWC with the
// same options as Jest (jest.shared.js). Node 20.19+ loads Nest 12's ES modules through require().
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');
const { transform } = require('../jest.shared');

const options = transform['^.+\\.(t|j)s$'][1];
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    ...options,
    filename,
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
