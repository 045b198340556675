#!/usr/bin/env node
/**
 * The `openid2` command. Exit codes: 0 ok, 1 failure, 2 usage.
 */
import './commands.js';
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
