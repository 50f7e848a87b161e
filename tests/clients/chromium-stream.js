#!/usr/bin/env node
// chromium-stream.js: drives headless Chromium (Debian's) over the DevTools
// protocol: loads the demo page from wsrecv, waits for its WebSocket to open,
// clicks Stream and waits until every record is acknowledged.
//
//   NODE_PATH=/usr/share/nodejs node chromium-stream.js PAGE_URL [TIMEOUT_SECS]
//
// Prints one JSON line: {"state":"open","samples":N,"sent":N,"acked":N}.
// Exit status 0 when every sample was acknowledged, 1 otherwise.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const WebSocket = require('ws');

const pageUrl = process.argv[2];
const timeoutSecs = Number(process.argv[3] || 30);
if (!pageUrl) {
  process.stderr.write('usage: chromium-stream.js PAGE_URL [TIMEOUT_SECS]\n');
  process.exit(2);
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-'));
const chrome = spawn('/usr/bin/chromium', [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-quic', `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe'] });

function quit(code, line) {
  if (line) process.stdout.write(line + '\n');
  chrome.kill('SIGTERM');
  setTimeout(() => {
    fs.rmSync(profile, { recursive: true, force: true });
    process.exit(code);
  }, 300);
}
const deadline = setTimeout(() => {
  process.stderr.write(`chromium-stream: timed out after ${timeoutSecs}s\n`);
  quit(1, last ? JSON.stringify(last) : '');
}, timeoutSecs * 1000);
let last = null;

let stderr = '';
chrome.stderr.on('data', (chunk) => {
  stderr += chunk;
  const m = stderr.match(/DevTools listening on (ws:\/\/\S+)/);
  if (m && !started) {
    started = true;
    drive(m[1]).catch((e) => {
      process.stderr.write(`chromium-stream: ${e.message}\n`);
      quit(1);
    });
  }
});
let started = false;
chrome.on('exit', (code) => {
  if (!started) {
    process.stderr.write(`chromium-stream: chromium exited ${code}: ${stderr}\n`);
    process.exit(1);
  }
});

async function drive(browserUrl) {
  const ws = new WebSocket(browserUrl);
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  let nextId = 1;
  const waiting = new Map();
  ws.on('message', (data) => {
    const msg = JSON.parse(data);
    if (msg.id && waiting.has(msg.id)) {
      const { res, rej } = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.error) rej(new Error(msg.error.message));
      else res(msg.result);
    }
  });
  const send = (method, params = {}, sessionId) => new Promise((res, rej) => {
    const id = nextId++;
    waiting.set(id, { res, rej });
    ws.send(JSON.stringify({ id, method, params, sessionId }));
  });
  const { targetId } = await send('Target.createTarget', { url: pageUrl });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  const evaluate = async (expr) => {
    const r = await send('Runtime.evaluate', { expression: expr, returnByValue: true }, sessionId);
    return r.result.value;
  };
  const status = `(() => { const d = document; const g = (id) => d.getElementById(id);
    return g('state') && window.demo ? { state: g('state').dataset.state, samples: window.demo.samples(),
      sent: Number(g('sent').textContent), acked: Number(g('acked').textContent) } : null; })()`;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // Wait for the page's WebSocket to be open and its samples loaded.
  for (;;) {
    last = await evaluate(status).catch(() => null);
    if (last && last.state === 'open' && last.samples > 0) break;
    await sleep(100);
  }
  await evaluate("document.getElementById('stream').click()");
  for (;;) {
    last = await evaluate(status);
    if (last.acked >= last.samples) break;
    await sleep(100);
  }
  clearTimeout(deadline);
  quit(last.acked === last.samples && last.sent === last.samples ? 0 : 1, JSON.stringify(last));
}
