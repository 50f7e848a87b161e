#!/usr/bin/env node
// send.js: sends each line of a file (or stdin) as one WebSocket text
// message, the way a browser page would, then closes.
//
//   NODE_PATH=/usr/share/nodejs node send.js [--ack] [--timeout SECS] URL [FILE]
//
// With --ack it waits until wsrecv --ack has acknowledged every message
// ({"ack":N}) before closing; a message wsrecv says was refused
// ({"refused":N,"why":...}: it does not fit the schema) is named on stderr.
// Exit status: 0 all sent (and acknowledged as stored), 1 connection failed,
// timed out or a message was refused, 2 usage.
'use strict';
const fs = require('fs');
const WebSocket = require('ws');

const args = process.argv.slice(2);
let waitAck = false;
let timeout = 30;
while (args.length && args[0].startsWith('--')) {
  const opt = args.shift();
  if (opt === '--ack') waitAck = true;
  else if (opt === '--timeout') timeout = Number(args.shift());
  else usage();
}
if (args.length < 1 || args.length > 2 || !(timeout > 0)) usage();

function usage() {
  process.stderr.write('usage: send.js [--ack] [--timeout SECS] URL [FILE]\n');
  process.exit(2);
}

const text = fs.readFileSync(args[1] || 0, 'utf8');
const lines = text.split('\n');
if (lines.length && lines[lines.length - 1] === '') lines.pop();

const ws = new WebSocket(args[0]);
let acked = 0;
let refused = 0;
const timer = setTimeout(() => {
  process.stderr.write(`send.js: timed out after ${timeout}s (sent ${lines.length}, acknowledged ${acked})\n`);
  process.exit(1);
}, timeout * 1000);

function finish() {
  ws.close(1000);
}

ws.on('open', () => {
  for (const line of lines) ws.send(line);
  if (!waitAck || lines.length === 0) finish();
});
ws.on('message', (data) => {
  let msg;
  try { msg = JSON.parse(data.toString()); } catch (e) { return; }
  if (typeof msg.refused === 'number') {
    refused += 1;
    process.stderr.write(`send.js: message ${msg.refused} refused: ${msg.why}\n`);
  }
  if (typeof msg.ack === 'number') {
    acked = msg.ack;
    if (waitAck && acked >= lines.length) finish();
  }
});
ws.on('close', (code, reason) => {
  clearTimeout(timer);
  const ok = code === 1000 && (!waitAck || acked >= lines.length) && refused === 0;
  process.stderr.write(`send.js: sent ${lines.length}` + (waitAck ? `, acknowledged ${acked}` : '') +
    (refused ? `, refused ${refused}` : '') +
    (ok ? '' : `; closed with ${code} ${reason}`) + '\n');
  process.exit(ok ? 0 : 1);
});
ws.on('error', (err) => {
  clearTimeout(timer);
  process.stderr.write(`send.js: ${args[0]}: ${err.message}\n`);
  process.exit(1);
});
