#!/usr/bin/env node
// The soak test's Node ws client, at ws's default settings (which offer
// permessage-deflate): CONNS connections at once, each sending COUNT
// messages from gen.js and waiting until the last is acknowledged. Checks
// that acks only grow and never pass what was sent. Prints "acked N" (all
// connections together); exits 1 on any error.
//   NODE_PATH=/usr/share/nodejs node node.js URL KIND CONNS COUNT
'use strict';
const WebSocket = require('ws');
const { soakMessage } = require('./gen.js');

const [url, kind, conns, count] = process.argv.slice(2);
const nconns = Number(conns), ncount = Number(count);
let acked = 0, open = nconns, failed = false;

for (let c = 1; c <= nconns; c++) {
  const ws = new WebSocket(url);
  let last = 0;
  ws.on('open', () => {
    for (let i = 1; i <= ncount; i++) ws.send(soakMessage(kind, c, i));
  });
  ws.on('message', (data) => {
    const n = JSON.parse(data).ack;
    if (!(n > last && n <= ncount)) {
      console.error(`conn ${c}: ack ${n} after ${last}`);
      failed = true;
    }
    last = n;
    if (n === ncount) ws.close(1000);
  });
  ws.on('error', (e) => {
    console.error(`conn ${c}: ${e.message}`);
    failed = true;
  });
  ws.on('close', () => {
    acked += last;
    if (last !== ncount) failed = true;
    if (--open === 0) {
      console.log(`acked ${acked}`);
      process.exit(failed ? 1 : 0);
    }
  });
}
