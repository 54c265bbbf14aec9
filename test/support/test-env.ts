// Jest setupFiles: every end-to-end test file starts with the test environment in process.env.
import { testEnvironment } from './stack-env';

Object.assign(process.env, testEnvironment());
