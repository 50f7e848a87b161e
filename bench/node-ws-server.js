#!/usr/bin/env node
// The reference wsrecv replaces: a Node `ws` server that writes each message
// and a newline to stdout, as the original setup did.
//   NODE_PATH=/usr/share/nodejs node bench/node-ws-server.js [PORT]
// PORT 0 picks a free port; the port is reported on stderr like wsrecv does.
'use strict';
const WebSocket = require('ws');

const port = Number(process.argv[2] || 8443);
const wss = new WebSocket.Server({ host: '127.0.0.1', port });

wss.on('listening', () => {
  process.stderr.write(`node-ws-server: listening on 127.0.0.1:${wss.address().port}\n`);
});
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    process.stdout.write(data + '\n');
  });
});
process.stdout.on('error', () => process.exit(1));
// Stop like wsrecv does: finish writing what was received, then exit.
process.on('SIGTERM', () => {
  wss.close();
  process.stdout.write('', () => process.exit(0));
});
