// The soak test's messages: message SEQ of connection CONN of client KIND is
// "KIND-CONN-SEQ:" and a body of 1 B to 200 KB (log-uniform, so most are
// small and some are long) of text with multi-byte characters and newlines.
// Deterministic, so the checker (soak.py, which has the same generator)
// knows every message without being told. Loaded by Node (require) and by
// the page (a script tag).
(function (root) {
  'use strict';
  const ALPHABET = ['a', 'b', 'c', ' ', '\n', '{', '"', '\u00e9', '\u2713', '\u{1D11E}'];
  const BYTES = [1, 1, 1, 1, 1, 1, 1, 2, 3, 4];

  function soakMessage(kind, conn, seq) {
    let x = (((conn * 7919) ^ (seq * 104729)) >>> 0) || 1;
    const next = () => {
      x ^= x << 13; x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5; x >>>= 0;
      return x;
    };
    // log-uniform size in bytes between 1 and 200,000
    const size = Math.floor(Math.exp((next() % 1000000) / 1000000 * Math.log(200000)));
    const parts = [`${kind}-${conn}-${seq}:`];
    let bytes = 0;
    while (bytes < size) {
      const i = next() % ALPHABET.length;
      parts.push(ALPHABET[i]);
      bytes += BYTES[i];
    }
    return parts.join('');
  }

  if (typeof module !== 'undefined' && module.exports) module.exports = { soakMessage };
  else root.soakMessage = soakMessage;
})(this);
