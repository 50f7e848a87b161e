#!/usr/bin/env node
// A Node `ws` client for the wsrecv tests, at ws's default settings (which
// offer permessage-deflate): CONNS connections at once, each sending COUNT
// messages "PREFIX-CONN-SEQ", then closing normally.
// PROTOCOLS, if given, is a comma-separated list of subprotocols to offer.
// Prints "done N" with the number of messages sent, exits 1 on any error.
//   NODE_PATH=/usr/share/nodejs node node-send.js URL CONNS COUNT PREFIX [PROTOCOLS]
'use strict';
const WebSocket = require('ws');

const [url, conns, count, prefix, protocols] = process.argv.slice(2);
const nconns = Number(conns), ncount = Number(count);
let sent = 0, open = nconns, failed = false;

for (let c = 1; c <= nconns; c++) {
  const ws = protocols ? new WebSocket(url, protocols.split(',')) : new WebSocket(url);
  ws.on('open', () => {
    for (let i = 1; i <= ncount; i++) {
      ws.send(`${prefix}-${c}-${i}`);
      sent++;
    }
    ws.close(1000);
  });
  ws.on('error', (e) => {
    console.error(`conn ${c}: ${e.message}`);
    failed = true;
  });
  ws.on('close', () => {
    if (--open === 0) {
      console.log(`done ${sent}`);
      process.exit(failed ? 1 : 0);
    }
  });
}
