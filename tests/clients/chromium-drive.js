#!/usr/bin/env node
// chromium-drive.js: drives the demo page in headless Chromium (Debian's)
// over the DevTools protocol, one command a line from stdin, so a test can
// act on the server (restart it, say) while the page stays open.
//
//   NODE_PATH=/usr/share/nodejs node chromium-drive.js PAGE_URL < commands
//
// Commands, each answered on stdout when done:
//   open                wait until the page's WebSocket is open and its samples loaded
//   click ID            click the element with that id              -> "clicked ID"
//   wait FIELD VALUE    wait until #FIELD's text (sent, acked, pending, queued,
//                       attempts, reconnects)
//                       or the connection state (FIELD state) equals VALUE
//   status              print {"state":...,"samples":N,"sent":N,"acked":N,"pending":N,
//                       "queued":N,"attempts":N,"reconnects":N}
//   until EXPR          any page: wait until the JavaScript expression EXPR is
//                       truthy, and print its value as JSON instead of the status
// Every command prints the page's status as JSON when done. Exit status 0
// when stdin ends with every command done, 1 on a failure or after
// TIMEOUT_SECS (default 60) in all.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const WebSocket = require('ws');

const pageUrl = process.argv[2];
const timeoutSecs = Number(process.env.TIMEOUT_SECS || 60);
if (!pageUrl) {
  process.stderr.write('usage: chromium-drive.js PAGE_URL < commands\n');
  process.exit(2);
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-'));
const chrome = spawn('/usr/bin/chromium', [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-quic', `--user-data-dir=${profile}`, '--remote-debugging-port=0',
  // CHROMIUM_ARGS: extra flags, e.g. --ignore-certificate-errors for a test's own certificate
  ...(process.env.CHROMIUM_ARGS ? process.env.CHROMIUM_ARGS.split(' ') : []), 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe'] });

function quit(code) {
  chrome.kill('SIGTERM');
  setTimeout(() => {
    fs.rmSync(profile, { recursive: true, force: true });
    process.exit(code);
  }, 300);
}
setTimeout(() => {
  process.stderr.write(`chromium-drive: timed out after ${timeoutSecs}s\n`);
  quit(1);
}, timeoutSecs * 1000);
// Stopped from outside (a test's teardown, timeout(1)): never leave Chromium behind.
process.on('SIGTERM', () => quit(1));
process.on('SIGINT', () => quit(1));

let stderr = '';
let started = false;
chrome.stderr.on('data', (chunk) => {
  stderr += chunk;
  const m = stderr.match(/DevTools listening on (ws:\/\/\S+)/);
  if (m && !started) {
    started = true;
    run(m[1]).then(() => quit(0), (e) => {
      process.stderr.write(`chromium-drive: ${e.message}\n`);
      quit(1);
    });
  }
});
chrome.on('exit', (code) => {
  if (!started) {
    process.stderr.write(`chromium-drive: chromium exited ${code}: ${stderr}\n`);
    process.exit(1);
  }
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const STATUS = `(() => { const g = (id) => document.getElementById(id);
  return g('state') && window.demo ? { state: g('state').dataset.state, samples: window.demo.samples(),
    sent: Number(g('sent').textContent), acked: Number(g('acked').textContent),
    pending: Number(g('pending').textContent), queued: Number(g('queued').textContent),
    attempts: Number(g('attempts').textContent), reconnects: Number(g('reconnects').textContent) } : null; })()`;

async function run(browserUrl) {
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
  const status = () => evaluate(STATUS).catch(() => null);
  const until = async (test) => {
    for (;;) {
      const s = await status();
      if (s && test(s)) return s;
      await sleep(50);
    }
  };

  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [cmd, a, b] = line.trim().split(/\s+/);
    let s;
    if (cmd === 'until') {
      const expr = line.trim().slice(6);
      for (;;) {
        s = await evaluate(expr).catch(() => null);
        if (s) break;
        await sleep(50);
      }
    } else if (cmd === 'open') {
      s = await until((x) => x.state === 'open' && x.samples > 0);
    } else if (cmd === 'click') {
      const ok = await evaluate(`(() => { const e = document.getElementById(${JSON.stringify(a)});
        if (!e) return false; e.click(); return true; })()`);
      if (!ok) throw new Error(`no element #${a}`);
      s = await status();
    } else if (cmd === 'wait') {
      s = await until((x) => String(x[a]) === b);
    } else if (cmd === 'status') {
      s = await status();
    } else if (cmd) {
      throw new Error(`unknown command: ${line}`);
    } else {
      continue;
    }
    process.stdout.write(JSON.stringify(s) + '\n');
  }
}
