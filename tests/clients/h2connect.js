#!/usr/bin/env node
// Tries to open a WebSocket over HTTP/2 (RFC 8441, extended CONNECT) with
// Node's http2 client, at its defaults (ALPN h2 only), to URL (https://).
// Prints "status N" with the server's answer to the CONNECT, or
// "error CODE" when no HTTP/2 session could be made. Accepts any
// certificate (the tests' are self-signed).
'use strict';
const http2 = require('http2');

const url = new URL(process.argv[2]);
const session = http2.connect(url.origin, { rejectUnauthorized: false });
session.on('error', (e) => {
  console.log(`error ${e.code || e.message}`);
  process.exit(0);
});
session.on('remoteSettings', (settings) => {
  if (!settings.enableConnectProtocol) {
    console.log('error no extended CONNECT');
    session.close();
    return;
  }
  const req = session.request({
    ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'https',
    ':path': url.pathname, ':authority': url.host, 'sec-websocket-version': '13',
  });
  req.on('response', (h) => {
    console.log(`status ${h[':status']}`);
    session.close();
  });
  req.on('error', (e) => {
    console.log(`error ${e.code || e.message}`);
    session.close();
  });
});
