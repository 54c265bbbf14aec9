// Unit tests only: no servers, no database.
const { transform, transformIgnorePatterns } = require('./jest.shared');

module.exports = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns,
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
