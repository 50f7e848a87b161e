// The demo page: sends records to wsrecv over one WebSocket.
//
// Delivery: every record stays in `pending` until wsrecv acknowledges it.
// Behind the front door (pipelines/ws-to-kafka, make demo), wsrecv sends
// {"ack":N} once Kafka has stored messages 1..N of this connection (acks are
// cumulative and may be coalesced). When the connection drops, or wsrecv
// closes it because Kafka did not store a message (1013), the page
// reconnects with backoff and resends everything still pending, in order,
// so nothing is lost (a record can arrive twice if the connection dropped
// after Kafka stored it but before its ack arrived).
// Refusals: with a schema (make demo DEMO_AVRO=1) a record that does not fit
// it is never stored; wsrecv says {"refused":N,"why":"..."} before the ack
// that covers message N, and the page drops it from `pending` and shows
// why: sending it again would get the same answer, unlike a 1013.
'use strict';

// The sample list, served by wsrecv --www beside this page (one JSON record
// a line); make demo sends the same file from a command-line client.
let SAMPLES = [];

const params = new URLSearchParams(location.search);
// Same host and port as the page (wsrecv --www serves both), or ?ws=URL.
const wsUrl = params.get('ws') ||
  `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/` +
  (params.get('token') ? `?token=${encodeURIComponent(params.get('token'))}` : '');

const $ = (id) => document.getElementById(id);
// sent: records on the wire at least once; acked: stored in Kafka;
// refused: never to be stored (they do not fit the schema);
// attempts: connections that failed to open; reconnects: connections
// opened again after one was lost.
const counts = { sent: 0, acked: 0, refused: 0, attempts: 0, reconnects: 0 };
let pending = [];      // [{ text, seq, sent }] not yet stored, oldest first
let seq = 0;           // messages sent on the current connection
let opened = false;    // the current socket opened
let everOpen = false;  // some socket opened once
let socket = null;
let backoff = 250;     // ms, doubled per failed attempt, capped
let retryTimer = null;

function log(line) {
  const li = document.createElement('li');
  li.textContent = `${new Date().toISOString().slice(11, 23)} ${line}`;
  $('log').prepend(li);
  while ($('log').children.length > 200) $('log').lastChild.remove();
}

function show() {
  const queued = pending.filter((e) => e.seq === 0).length;
  $('sent').textContent = counts.sent;
  $('acked').textContent = counts.acked;
  $('refused').textContent = counts.refused;
  $('pending').textContent = pending.length - queued;
  $('queued').textContent = queued;
  $('attempts').textContent = counts.attempts;
  $('reconnects').textContent = counts.reconnects;
}

function setState(state) {
  $('state').textContent = state;
  $('state').dataset.state = state;
}

function transmit(entry) {
  seq += 1;
  entry.seq = seq;
  if (!entry.sent) {
    entry.sent = true;
    counts.sent += 1;
  }
  socket.send(entry.text);
}

// Queues one record (a string) and sends it now if the connection is open;
// offline it stays queued until a connection opens.
function send(text) {
  const entry = { text, seq: 0, sent: false };
  pending.push(entry);
  // A notice of an earlier stream no longer holds: records wait again.
  if ($('notice').dataset.streaming !== '1') $('notice').textContent = '';
  if (socket && socket.readyState === WebSocket.OPEN) transmit(entry);
  show();
}

function onAck(n) {
  let done = 0;
  while (pending.length && pending[0].seq !== 0 && pending[0].seq <= n) {
    pending.shift();
    done += 1;
  }
  counts.acked += done;
  show();
  if (pending.length === 0 && $('notice').dataset.streaming === '1') {
    $('notice').textContent = 'Every record is stored in Kafka.';
    $('notice').dataset.streaming = '0';
  }
}

// Message n of this connection will never be stored: it leaves `pending`
// (it is not sent again) and the log says why.
function onRefused(n, why) {
  const i = pending.findIndex((e) => e.seq === n);
  if (i < 0) return;
  const [entry] = pending.splice(i, 1);
  counts.refused += 1;
  log(`refused, not stored: ${entry.text}: ${why}`);
  show();
}

function connect() {
  retryTimer = null;
  setState(everOpen ? 'reconnecting' : 'connecting');
  opened = false;
  socket = new WebSocket(wsUrl);
  socket.onopen = () => {
    setState('open');
    if (everOpen) counts.reconnects += 1;
    everOpen = opened = true;
    backoff = 250;
    seq = 0;
    const again = pending.filter((e) => e.sent).length;
    for (const entry of pending) transmit(entry); // send what Kafka has not stored
    if (again) log(`sent again ${again} record(s) not stored in Kafka yet`);
    show();
  };
  socket.onmessage = (ev) => {
    let msg;
    try { msg = JSON.parse(ev.data); } catch (e) { return; }
    if (typeof msg.refused === 'number') onRefused(msg.refused, String(msg.why));
    if (typeof msg.ack === 'number') onAck(msg.ack);
  };
  socket.onclose = (ev) => {
    setState('closed');
    if (opened) {
      log(`connection closed (${ev.code}${ev.reason ? ': ' + ev.reason : ''}); retry in ${backoff} ms`);
    } else {
      counts.attempts += 1;
      log(`could not connect to ${wsUrl}; retry in ${backoff} ms`);
    }
    for (const entry of pending) entry.seq = 0;
    socket = null;
    retryTimer = setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 10000);
    show();
  };
}

async function loadSamples() {
  try {
    const res = await fetch('samples.jsonl');
    const text = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    // Kept as the file's lines, so what arrives in Kafka is byte for byte the file.
    SAMPLES = text.split('\n').filter((l) => l.trim() !== '');
  } catch (e) {
    log(`could not load samples.jsonl: ${e}`);
  }
}

async function init() {
  $('url').textContent = wsUrl;
  await loadSamples();
  const tbody = $('movies').querySelector('tbody');
  for (const line of SAMPLES) {
    let m;
    try { m = JSON.parse(line); } catch (e) { log(`sample is not JSON: ${line}`); continue; }
    const tr = document.createElement('tr');
    for (const k of ['actor', 'movie', 'released', 'role']) {
      const td = document.createElement('td');
      td.textContent = m[k];
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
  $('record').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const rec = { actor: f.get('actor'), movie: f.get('movie'),
      released: Number(f.get('released')) || null, role: f.get('role') };
    const text = JSON.stringify(rec);
    send(text);
    log(`sent ${text}`);
  });
  $('misfit').addEventListener('click', () => {
    // "released" as text: stored as it is without a schema, refused with one.
    const text = JSON.stringify({ actor: 'Keanu Reeves', movie: 'Speed', released: '1994', role: 'Jack Traven' });
    send(text);
    log(`sent ${text}`);
  });
  $('stream').addEventListener('click', () => {
    $('notice').dataset.streaming = '1';
    $('notice').textContent = `streaming ${SAMPLES.length} records...`;
    SAMPLES.forEach((m) => send(m));
    log(`streamed ${SAMPLES.length} records`);
  });
  show();
  connect();
}

window.demo = { counts, pending: () => pending.length, samples: () => SAMPLES.length };
init();
