/**
 * Parse speed of XRDS documents (parses per second). A quick measurement,
 * not a test: `node --import tsx bench/xrds-parse.ts`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { discoverEndpointsFromXrds } from '../src/discovery/endpoints.js';
import { parseXrds } from '../src/discovery/xrds.js';
import { vectorsDir } from '../test/helpers/vectors.js';

function measure(label: string, run: () => void, seconds = 2): void {
  for (let i = 0; i < 2000; i++) run(); // warm-up
  let count = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(seconds * 1e9);
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 500; i++) run();
    count += 500;
    elapsed = process.hrtime.bigint() - start;
  }
  const perSecond = (count / Number(elapsed)) * 1e9;
  console.log(`${label.padEnd(56)} ${Math.round(perSecond).toLocaleString('en-US').padStart(10)} /s`);
}

if (vectorsDir === null) {
  console.log('python-openid vectors not found; nothing to measure');
} else {
  const files = [
    'openid/test/data/example-xrds.xml',
    'openid/test/data/test_etxrd/valid-populated-xrds.xml',
    'openid/test/data/test_discover/openid_1_and_2_xrds.xml',
    'openid/test/data/test_etxrd/subsegments.xrds',
  ];
  for (const file of files) {
    const text = readFileSync(join(vectorsDir, file), 'utf8');
    const name = file.split('/').pop() ?? file;
    measure(`parseXrds ${name} (${text.length} chars)`, () => parseXrds(text));
    measure(`  + endpoints ${name}`, () => discoverEndpointsFromXrds('https://id.example/', text));
  }
}
