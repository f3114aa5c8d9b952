// An independent WebSocket client (node's ws) for Blueshift's integration tests.
//
// usage: node wsclient.mjs URL [COUNT]
//
// Opens COUNT sessions (default 1) one after another against an echo upstream; each sends text
// (with non-ASCII), binary (every byte value), an empty message and a 200 KB message, checks
// every echo, pings, and closes with 1000. Prints one JSON object on stdout on success
// ({"ok": true, "revisions": [...], ...}) and exits 0; on failure prints the reason on stderr
// and exits 1.
import WebSocket from 'ws';

const TIMEOUT_MS = 10000;
const [url, countArg] = process.argv.slice(2);
const count = Number(countArg ?? 1);

function session() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: TIMEOUT_MS });
    const result = {};
    const timer = setTimeout(() => reject(new Error('timed out')), TIMEOUT_MS);
    const messages = [
      ['text', 'hello from node'],
      ['text', 'h\u00e9llo \u2713 \u{1F30A}'],
      ['text', ''],
      ['text', 'x'.repeat(200000)],
      ['binary', Buffer.from([...Array(256).keys()])],
    ];
    let next = 0;
    const sendNext = () => {
      if (next === messages.length) {
        ws.ping(Buffer.from('node-ping'));
        return;
      }
      const [kind, payload] = messages[next];
      ws.send(payload, { binary: kind === 'binary' });
    };
    ws.on('upgrade', (response) => {
      result.revision = response.headers['x-blueshift-revision'];
      result.replica = response.headers['x-blueshift-replica'];
    });
    ws.on('open', sendNext);
    ws.on('message', (data, isBinary) => {
      const [kind, payload] = messages[next];
      const same = kind === 'binary'
        ? isBinary && Buffer.compare(data, payload) === 0
        : !isBinary && data.toString('utf8') === payload;
      if (!same) {
        reject(new Error(`echo ${next} (${kind}, ${payload.length}) came back different`));
        ws.terminate();
        return;
      }
      ++next;
      sendNext();
    });
    ws.on('pong', () => ws.close(1000, 'done'));
    ws.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 1000 || next !== messages.length)
        reject(new Error(`closed with ${code} after ${next} echoes`));
      else
        resolve({ ...result, echoed: next, close_code: code });
    });
    ws.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

try {
  const sessions = [];
  for (let i = 0; i < count; ++i)
    sessions.push(await session());
  console.log(JSON.stringify({
    ok: true,
    sessions: sessions.length,
    revisions: sessions.map((s) => s.revision),
    replicas: sessions.map((s) => s.replica),
    echoed: sessions.reduce((n, s) => n + s.echoed, 0),
  }));
  process.exit(0);
} catch (e) {
  console.error(`wsclient: ${e.message}`);
  process.exit(1);
}
