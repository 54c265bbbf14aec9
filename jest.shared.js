// @nestjs/* ship as ES modules since Nest 12, so SWC transpiles them for Jest along with our TS.
module.exports = {
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  // openid-client and its dependencies ship ES modules only (SSO).
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|uid|nestjs-pino|openid-client|oauth4webapi|jose)/)'],
};
