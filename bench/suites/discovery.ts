/** Discovery parsing: a typical identity XRDS and HTML page, per parse (no network). */
import { discoverEndpointsFromHtml, discoverEndpointsFromXrds } from 'openid2/protocol';
import { type BenchResult, bench } from '../harness.js';

/** What a provider serves for a user's identity URL: a 2.0 and a 1.1 signon service. */
const XRDS = `<?xml version="1.0" encoding="UTF-8"?>
<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)" xmlns:openid="http://openid.net/xmlns/1.0">
  <XRD>
    <Service priority="0">
      <Type>http://specs.openid.net/auth/2.0/signon</Type>
      <Type>http://openid.net/srv/ax/1.0</Type>
      <Type>http://openid.net/extensions/sreg/1.1</Type>
      <URI>https://op.example/openid</URI>
      <LocalID>https://op.example/id/alice</LocalID>
    </Service>
    <Service priority="1">
      <Type>http://openid.net/signon/1.1</Type>
      <Type>http://openid.net/sreg/1.0</Type>
      <URI>https://op.example/openid</URI>
      <openid:Delegate>https://op.example/id/alice</openid:Delegate>
    </Service>
  </XRD>
</xrds:XRDS>
`;

const HTML = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>alice</title>
<meta http-equiv="X-XRDS-Location" content="https://op.example/id/alice/xrds">
<link rel="stylesheet" href="/style.css">
<link rel="openid2.provider openid.server" href="https://op.example/openid">
<link rel="openid2.local_id openid.delegate" href="https://op.example/id/alice">
</head><body><h1>alice</h1><p>This is alice's identity page.</p></body></html>
`;

export async function run(): Promise<BenchResult[]> {
  const id = 'https://alice.example/';
  if (discoverEndpointsFromXrds(id, XRDS).length !== 2)
    throw new Error('XRDS fixture should give 2 endpoints');
  if (discoverEndpointsFromHtml(id, HTML).length !== 2)
    throw new Error('HTML fixture should give 2 endpoints');
  return [
    await bench('discovery', 'XRDS identity document -> endpoints', () =>
      discoverEndpointsFromXrds(id, XRDS),
    ),
    await bench('discovery', 'HTML identity page -> endpoints', () => discoverEndpointsFromHtml(id, HTML)),
  ];
}
