// Load and abuse on the real `switchyard serve` over loopback: a measurement, not a test (nothing here
// asserts a time). One run, in order:
//   1. before: the server idle with a ~3 MB document (many server-only flags, a few client-side ones);
//   2. abuse: 600 slow-loris connections (half a partial request line, half partial headers, then
//      nothing), 4,000 SSE streams that read normally (client key: the small client document), 300 SSE
//      streams that never read (server key: the ~3 MB document, sockets paused before they connect);
//   3. one change (an atomic rename of the watched file, flipping a client-side flag: both audiences'
//      documents change, so every stream is sent a `change`);
//   4. every live reader accounted for (received the change, or disconnected), every slow-loris socket
//      closed by the server (its headers timeout), then the paused readers resumed to see what they got;
//   5. after: every client socket closed, the server idle again.
// Throughout, a worker thread (its own event loop, so this thread's work does not delay it) samples
// `GET /healthz` on one keep-alive connection every 20 ms (closed loop: the next request starts when
// the previous one has finished, at the next 20 ms tick), `GET /healthz` on a fresh connection every
// 100 ms, and the server's RSS (/proc/PID/status) every 50 ms.
//
//   node --expose-gc abuse.bench.mjs          (from benchmarks/; writes results/abuse.json and README.md)
//
// Knobs: ABUSE_LORIS, ABUSE_LIVE, ABUSE_PAUSED, ABUSE_DOC_BYTES, ABUSE_BEFORE_MS, ABUSE_AFTER_MS,
// ABUSE_CONNECT_WINDOW (256 connects in flight), ABUSE_ORDER=paused-first (open the paused readers before
// the live ones), ABUSE_WRITE=0 (print only; leave results/ and README.md alone). The README section
// and results/abuse.json are written only by the default configuration.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs, q) => (xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]);

// ---------------------------------------------------------------------------------------------------
// The probe (worker thread): /healthz latency and the server's memory, until told to stop.
async function probe() {
  const { port, pid, keepAliveEveryMs, freshEveryMs, rssEveryMs } = workerData;
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples = { keepAlive: [], fresh: [], rss: [], fds: [] };
  let stopped = false;
  let keepAliveSockets = 0;

  const get = (agent, headers) =>
    new Promise((resolve) => {
      const t = Date.now();
      const t0 = performance.now();
      const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent, headers, timeout: 15_000 }, (res) => {
        res.resume();
        res.on('end', () => resolve({ t, ms: performance.now() - t0, status: res.statusCode, reused: req.reusedSocket }));
        res.on('error', (e) => resolve({ t, ms: performance.now() - t0, error: e.code ?? e.message }));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('no answer in 15 s'), { code: 'TIMEOUT' })));
      req.on('error', (e) => resolve({ t, ms: performance.now() - t0, error: e.code ?? e.message }));
    });

  async function loop(list, everyMs, agent, headers) {
    let next = performance.now();
    while (!stopped) {
      const s = await get(agent, headers);
      if (agent && !s.reused && !s.error) keepAliveSockets++;
      list.push(s);
      next += everyMs;
      const now = performance.now();
      if (next < now) next = now + ((everyMs - ((now - next) % everyMs)) % everyMs); // the next tick
      await sleep(next - now);
    }
  }

  const status = () => {
    try {
      const text = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]);
      return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
    } catch {
      return undefined; // the process is gone
    }
  };
  const rssTimer = setInterval(() => {
    const s = status();
    if (s) samples.rss.push({ t: Date.now(), ...s });
  }, rssEveryMs);
  const fdTimer = setInterval(() => {
    try {
      samples.fds.push({ t: Date.now(), n: readdirSync(`/proc/${pid}/fd`).length });
    } catch {}
  }, 500);

  const loops = [loop(samples.keepAlive, keepAliveEveryMs, keepAlive, {}), loop(samples.fresh, freshEveryMs, false, { connection: 'close' })];
  parentPort.postMessage({ type: 'ready' });
  await new Promise((resolve) => parentPort.once('message', resolve)); // 'stop'
  stopped = true;
  await Promise.all(loops);
  clearInterval(rssTimer);
  clearInterval(fdTimer);
  keepAlive.destroy();
  lag.disable();
  parentPort.postMessage({ type: 'samples', samples, keepAliveSockets, probeLagMs: { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 } });
}

// ---------------------------------------------------------------------------------------------------
async function main() {
  const LORIS = Number(process.env.ABUSE_LORIS ?? 600);
  const LIVE = Number(process.env.ABUSE_LIVE ?? 4000);
  const PAUSED = Number(process.env.ABUSE_PAUSED ?? 300);
  const DOC_BYTES = Number(process.env.ABUSE_DOC_BYTES ?? 3_000_000);
  const BEFORE_MS = Number(process.env.ABUSE_BEFORE_MS ?? 5000);
  const AFTER_MS = Number(process.env.ABUSE_AFTER_MS ?? 5000);
  const ORDER = process.env.ABUSE_ORDER ?? 'live-first'; // or 'paused-first': which streams the server holds first
  const CONNECT_WINDOW = Number(process.env.ABUSE_CONNECT_WINDOW ?? 256); // connections still connecting at a time
  const HOLD_MS = 1000; // every stream open and idle before the change
  const KEEPALIVE_EVERY_MS = 20;
  const FRESH_EVERY_MS = 100;
  const NEEDED_FDS = LORIS + LIVE + PAUSED + 64; // + probe, /metrics, the server's own files

  // ---- open-file limits: this process holds one end of every connection, the server the other ----
  const softLimit = (limitsText) => Number(/^Max open files\s+(\d+)\s+(\d+)/m.exec(limitsText)?.[1]);
  const hardLimit = (limitsText) => Number(/^Max open files\s+(\d+)\s+(\d+)/m.exec(limitsText)?.[2]);
  const ownLimits = readFileSync('/proc/self/limits', 'utf8');
  const shell = execFileSync('bash', ['-c', 'echo $(ulimit -Sn) $(ulimit -Hn)'], { encoding: 'utf8' }).trim().split(' ');
  if (softLimit(ownLimits) < NEEDED_FDS && !process.env.SWITCHYARD_ABUSE_RAISED) {
    // Node raises its soft limit to the hard one at start-up; below what we need, raise the hard one
    // too (needs the privilege to) and run again under it — the server, our child, inherits it.
    console.log(`open-file limit ${softLimit(ownLimits)} < ${NEEDED_FDS} needed: re-running under \`ulimit -n 65536\``);
    const again = spawn('bash', ['-c', 'ulimit -n 65536 && exec "$0" "$@"', process.execPath, ...process.execArgv, fileURLToPath(import.meta.url)], {
      stdio: 'inherit',
      env: { ...process.env, SWITCHYARD_ABUSE_RAISED: '1' },
    });
    again.on('exit', (code) => process.exit(code ?? 1));
    return;
  }
  const fdLimits = { needed: NEEDED_FDS, shellSoft: shell[0], shellHard: shell[1], benchSoft: softLimit(ownLimits), benchHard: hardLimit(ownLimits), raisedWithUlimit: Boolean(process.env.SWITCHYARD_ABUSE_RAISED) };
  console.log(`open files: shell ulimit -n ${shell[0]} (hard ${shell[1]}); this process ${fdLimits.benchSoft} (hard ${fdLimits.benchHard}); needed ~${NEEDED_FDS}`);

  // ---- the document: a few client-side flags, enough server-only flags to make ~3 MB ----
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-abuse-'));
  const file = join(dir, 'flags.json');
  const example = JSON.parse(readFileSync(new URL('../examples/flags.json', import.meta.url), 'utf8'));
  const doc = { ...example, flags: { ...example.flags } };
  doc.flags.banner = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', metadata: { owner: 'web', clientSide: true } };
  doc.flags.headline = { ...doc.flags.headline, metadata: { ...doc.flags.headline.metadata, clientSide: true } };
  doc.flags['new-checkout'] = { ...doc.flags['new-checkout'], metadata: { ...doc.flags['new-checkout'].metadata, clientSide: true } };
  const words = 'catalog entry with a long description that only servers need to see '.repeat(16);
  let bigFlags = 0;
  while (JSON.stringify(doc).length < DOC_BYTES) {
    const i = bigFlags++;
    doc.flags[`catalog-${String(i).padStart(5, '0')}`] = {
      state: 'ENABLED',
      variants: { full: `${i}: ${words}`.slice(0, 1000), short: `${i}` },
      defaultVariant: 'full',
      targeting: { if: [{ in: [{ var: 'plan' }, ['enterprise']] }, 'full', 'short'] },
      metadata: { owner: 'catalog' },
    };
  }
  const write = (d) => {
    writeFileSync(`${file}.tmp`, JSON.stringify(d));
    renameSync(`${file}.tmp`, file);
  };
  write(doc);
  const SERVER_KEY = 'abuse-server-key-0123456789';
  const CLIENT_KEY = 'abuse-client-key-0123456789';
  writeFileSync(
    join(dir, 'keys.json'),
    JSON.stringify({ keys: [{ key: SERVER_KEY, environment: 'default', scope: 'server' }, { key: CLIENT_KEY, environment: 'default', scope: 'client' }] }),
  );

  // ---- the server, in its own process ----
  const BIN = fileURLToPath(new URL('../packages/cli/bin/switchyard.js', import.meta.url));
  const child = spawn(process.execPath, [BIN, 'serve', file, '--keys', join(dir, 'keys.json'), '--port', '0', '--store', 'memory'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  let pending = '';
  const onLog = (stream) => (d) => {
    pending += d;
    let nl;
    while ((nl = pending.indexOf('\n')) !== -1) {
      log.push({ t: Date.now(), stream, line: pending.slice(0, nl) });
      pending = pending.slice(nl + 1);
    }
  };
  child.stdout.on('data', onLog('stdout'));
  child.stderr.on('data', onLog('stderr'));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise((resolve, reject) => {
    const check = setInterval(() => {
      const m = log.map((l) => l.line).join('\n').match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) {
        clearInterval(check);
        resolve(Number(m[1]));
      }
    }, 20);
    exited.then(() => reject(new Error(`switchyard serve exited: ${log.map((l) => l.line).join('\n')}`)));
    setTimeout(() => reject(new Error('switchyard serve did not start within 20 s')), 20_000).unref();
  });
  const pid = child.pid;
  const serverLimits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  fdLimits.serverSoft = softLimit(serverLimits);
  fdLimits.serverHard = hardLimit(serverLimits);
  console.log(`server pid ${pid} on port ${port}; its open-file limit ${fdLimits.serverSoft} (hard ${fdLimits.serverHard})`);

  const sockets = new Set(); // every client socket this script opens, destroyed in `finally`
  let tearingDown = false; // closes from here on are ours, not the server's
  let worker;
  const safety = setTimeout(() => {
    console.error('abuse bench: still running after 5 minutes; killing the server and exiting');
    child.kill('SIGKILL');
    process.exit(1);
  }, 300_000);
  safety.unref();

  try {
    // ---- what each audience receives, and the server's view ----
    const fetchText = (path, headers = {}) =>
      new Promise((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false, timeout: 30_000 }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode, body }));
        });
        req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer in 30 s`)));
        req.on('error', reject);
      });
    const serverDoc = await fetchText('/v1/flags', { authorization: `Bearer ${SERVER_KEY}` });
    const clientDoc = await fetchText('/v1/flags', { authorization: `Bearer ${CLIENT_KEY}` });
    if (serverDoc.status !== 200 || clientDoc.status !== 200) throw new Error(`GET /v1/flags: ${serverDoc.status} (server key), ${clientDoc.status} (client key)`);
    const documents = {
      fileBytes: Buffer.byteLength(JSON.stringify(doc)),
      flags: Object.keys(doc.flags).length,
      serverOnlyFlags: bigFlags,
      serverBytes: Buffer.byteLength(serverDoc.body),
      clientBytes: Buffer.byteLength(clientDoc.body),
      clientFlags: Object.keys(JSON.parse(clientDoc.body).flags).length,
    };
    console.log(`document: ${documents.flags} flags, ${(documents.fileBytes / 1e6).toFixed(2)} MB on disk; server key sees ${(documents.serverBytes / 1e6).toFixed(2)} MB, client key ${documents.clientBytes} B (${documents.clientFlags} flags)`);
    const gauges = async () => {
      const text = (await fetchText('/metrics')).body;
      const g = (name, labels) => Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)`, 'm').exec(text)?.[1]);
      return {
        serverStreams: g('switchyard_sse_connections', 'environment="default",scope="server"'),
        clientStreams: g('switchyard_sse_connections', 'environment="default",scope="client"'),
        version: g('switchyard_document_version', 'environment="default"'),
      };
    };
    // The kernel's listen-queue overflows (this network namespace): a full accept queue drops SYNs,
    // and the client retries after 1 s, then 3 s.
    const listenOverflows = () => {
      const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
      const names = lines[0].split(/\s+/);
      const values = lines[1].split(/\s+/);
      return Number(values[names.indexOf('ListenOverflows')]);
    };
    const proc = () => {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
      const statText = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const stat = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
      return { t: Date.now(), rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024, cpuS: (Number(stat[11]) + Number(stat[12])) / 100, fds: readdirSync(`/proc/${pid}/fd`).length };
    };

    // ---- the probe ----
    worker = new Worker(new URL(import.meta.url), { workerData: { port, pid, keepAliveEveryMs: KEEPALIVE_EVERY_MS, freshEveryMs: FRESH_EVERY_MS, rssEveryMs: 50 } });
    const probeResult = new Promise((resolve, reject) => {
      worker.on('message', (m) => m.type === 'samples' && resolve(m));
      worker.on('error', reject);
    });
    await new Promise((resolve) => worker.once('message', resolve)); // ready
    const benchLag = monitorEventLoopDelay({ resolution: 5 });
    benchLag.enable();
    const marks = { probeStart: Date.now() };

    // ---- 1. before ----
    await sleep(BEFORE_MS);
    const before = proc();
    const overflows = { before: listenOverflows() };
    marks.abuseStart = Date.now();
    console.log(`before: RSS ${before.rssMb.toFixed(1)} MB, ${before.fds} fds`);

    // Connects `count` sockets, at most `window` still connecting at a time (the listen backlog is 511).
    async function connectAll(count, window, setup) {
      let next = 0;
      const one = () =>
        new Promise((resolve) => {
          const socket = net.connect({ host: '127.0.0.1', port });
          sockets.add(socket);
          setup(socket, next - 1);
          socket.once('connect', resolve);
          socket.once('error', resolve);
          socket.once('close', resolve);
        });
      const lanes = Array.from({ length: Math.min(window, count) }, async () => {
        while (next < count) {
          next++;
          await one();
        }
      });
      await Promise.all(lanes);
    }

    // ---- 2a. slow loris: half a request line, or the request line and some headers; then nothing ----
    const loris = [];
    await connectAll(LORIS, CONNECT_WINDOW, (socket, i) => {
      const s = { kind: i % 2 === 0 ? 'partial request line' : 'partial headers', sentAt: 0, closedAt: 0, how: '', firstBytes: '', closedByUs: false };
      loris.push(s);
      socket.on('connect', () => {
        socket.write(s.kind === 'partial request line' ? 'GET /v1/fla' : `GET /v1/flags HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${SERVER_KEY}\r\nX-Slow: `);
        s.sentAt = Date.now();
      });
      socket.on('data', (d) => {
        if (s.firstBytes.length < 64) s.firstBytes += d.toString('latin1').slice(0, 64 - s.firstBytes.length);
      });
      socket.on('end', () => (s.how ||= 'FIN'));
      socket.on('error', (e) => (s.how ||= e.code ?? e.message));
      socket.on('close', () => {
        s.closedAt = Date.now();
        if (!s.closedByUs) sockets.delete(socket);
      });
      s.socket = socket;
    });
    marks.lorisOpen = Date.now();
    console.log(`slow loris: ${loris.filter((s) => s.sentAt).length} of ${LORIS} connected and sent their partial request in ${marks.lorisOpen - marks.abuseStart} ms`);

    // ---- 2b. live readers: client key, read everything ----
    const CHANGE = '\nevent: change\n';
    const live = [];
    const openLive = () => connectAll(LIVE, CONNECT_WINDOW, (socket) => {
      const r = { raw: '', snapshotAt: 0, changeAt: 0, closedAt: 0, how: '' };
      live.push(r);
      socket.setEncoding('latin1');
      socket.on('connect', () => socket.write(`GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${CLIENT_KEY}\r\nAccept: text/event-stream\r\n\r\n`));
      socket.on('data', (d) => {
        const from = Math.max(0, r.raw.length - CHANGE.length);
        if (r.raw.length < 1_000_000) r.raw += d;
        if (!r.snapshotAt && r.raw.includes('\nevent: snapshot\n')) r.snapshotAt = Date.now();
        if (!r.changeAt && r.raw.indexOf(CHANGE, from) !== -1) r.changeAt = Date.now();
      });
      socket.on('end', () => (r.how ||= 'FIN'));
      socket.on('error', (e) => (r.how ||= e.code ?? e.message));
      socket.on('close', () => !tearingDown && (r.closedAt ||= Date.now()));
      r.socket = socket;
    });

    // ---- 2c. paused readers: server key (the ~3 MB document), paused before they connect, never read ----
    const paused = [];
    const openPaused = () => connectAll(PAUSED, CONNECT_WINDOW, (socket) => {
      const p = { socket, bytes: 0, changes: 0, carry: '', head: '', endedAt: 0, how: '' };
      paused.push(p);
      socket.pause();
      socket.on('connect', () => socket.write(`GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${SERVER_KEY}\r\nAccept: text/event-stream\r\n\r\n`));
      socket.on('error', (e) => (p.how ||= e.code ?? e.message));
    });
    if (ORDER === 'paused-first') {
      await openPaused();
      marks.pausedOpen = Date.now();
      // The server holds every paused stream (and has written its snapshot) before a live one connects.
      while ((await gauges()).serverStreams < PAUSED && Date.now() < marks.abuseStart + 60_000) await sleep(100);
      await openLive();
      marks.liveOpen = Date.now();
    } else {
      await openLive();
      marks.liveOpen = Date.now();
      await openPaused();
      marks.pausedOpen = Date.now();
    }

    // Every stream open on the server (its own gauge), every live reader holding its snapshot.
    let g = await gauges();
    const openDeadline = Date.now() + 60_000;
    while (g.serverStreams < PAUSED || live.some((r) => !r.snapshotAt && !r.closedAt)) {
      if (Date.now() > openDeadline) break; // reported below as not connected
      await sleep(100);
      g = await gauges();
    }
    marks.allOpen = Date.now();
    overflows.allOpen = listenOverflows();
    const atOpen = { ...g, liveWithSnapshot: live.filter((r) => r.snapshotAt).length, liveClosed: live.filter((r) => r.closedAt).length, lorisOpen: loris.filter((s) => !s.closedAt).length, proc: proc() };
    console.log(
      `open after ${marks.allOpen - marks.abuseStart} ms: server counts ${g.clientStreams} client + ${g.serverStreams} server streams; ${atOpen.liveWithSnapshot} live readers have their snapshot; ${atOpen.lorisOpen} slow-loris open; RSS ${atOpen.proc.rssMb.toFixed(1)} MB, ${atOpen.proc.fds} fds`,
    );
    await sleep(HOLD_MS);

    // Where the paused readers' ~3 MB snapshots sit: the kernel (server send queue, our receive queue) or the server's heap.
    const pausedPorts = new Set(paused.map((p) => p.socket.localPort));
    const kernel = { serverSendQ: 0, clientRecvQ: 0, sockets: 0 };
    try {
      for (const line of execFileSync('ss', ['-tnH', 'state', 'established'], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n')) {
        const cols = line.trim().split(/\s+/);
        if (cols.length < 4) continue;
        const [recvQ, sendQ, local, peer] = cols.length >= 5 ? cols.slice(1) : cols; // with or without the state column
        const lp = Number(local.split(':').pop());
        const pp = Number(peer.split(':').pop());
        if (lp === port && pausedPorts.has(pp)) {
          kernel.serverSendQ += Number(sendQ);
          kernel.sockets++;
        }
        if (pp === port && pausedPorts.has(lp)) kernel.clientRecvQ += Number(recvQ);
      }
    } catch (e) {
      kernel.error = e.message;
    }
    const steady = { proc: proc(), kernel, pausedBytesRead: paused.reduce((n, p) => n + p.socket.bytesRead, 0) };
    console.log(
      `steady: RSS ${steady.proc.rssMb.toFixed(1)} MB; paused readers' bytes in the kernel: ${(kernel.serverSendQ / 1e6).toFixed(1)} MB server send queues + ${(kernel.clientRecvQ / 1e6).toFixed(1)} MB our receive queues (of ~${((PAUSED * documents.serverBytes) / 1e6).toFixed(0)} MB sent them); bytes we read from them: ${steady.pausedBytesRead}`,
    );

    // ---- 3. one change: flip a client-side flag (both audiences' documents change) ----
    doc.flags.banner = { ...doc.flags.banner, defaultVariant: 'on' };
    marks.change = Date.now();
    write(doc);
    const lorisOpenAtChange = loris.filter((s) => !s.closedAt).length;

    // ---- 4. every live reader accounted for; slow loris closed ----
    const deliverDeadline = Date.now() + 30_000;
    while (live.some((r) => !r.changeAt && !r.closedAt) && Date.now() < deliverDeadline) await sleep(20);
    marks.delivered = Date.now();
    await sleep(1000);
    const afterChange = { proc: proc(), gauges: await gauges() };
    console.log(
      `change: ${live.filter((r) => r.changeAt).length} live readers received it, ${live.filter((r) => !r.changeAt && r.closedAt).length} disconnected, ${live.filter((r) => !r.changeAt && !r.closedAt).length} neither (after ${marks.delivered - marks.change} ms); server still counts ${afterChange.gauges.clientStreams} client + ${afterChange.gauges.serverStreams} server streams; RSS ${afterChange.proc.rssMb.toFixed(1)} MB`,
    );
    const lorisDeadline = marks.abuseStart + 60_000;
    while (loris.some((s) => !s.closedAt) && Date.now() < lorisDeadline) await sleep(50);
    marks.lorisDone = Date.now();
    marks.duringEnd = Date.now();
    const endOfAbuse = { proc: proc(), gauges: await gauges() };

    // ---- the paused readers, resumed: what had the server left them? ----
    const DATA_CHANGE = 'event: change\n';
    marks.resume = Date.now();
    for (const p of paused) {
      p.bytesBeforeResume = p.socket.bytesRead;
      p.socket.on('data', (d) => {
        p.bytes += d.length;
        if (p.head.length < 32) p.head += d.toString('latin1', 0, 32);
        const text = p.carry + d.toString('latin1');
        for (let at = text.indexOf(DATA_CHANGE); at !== -1; at = text.indexOf(DATA_CHANGE, at + 1)) p.changes++;
        p.carry = text.slice(-(DATA_CHANGE.length - 1));
      });
      p.socket.on('end', () => (p.how ||= 'FIN'));
      p.socket.on('close', () => !tearingDown && (p.endedAt = Date.now()));
      p.socket.resume();
    }
    const drainDeadline = Date.now() + 30_000;
    while (paused.some((p) => !p.endedAt && p.changes === 0) && Date.now() < drainDeadline) await sleep(50);
    marks.drained = Date.now();

    // ---- 5. after: every client socket gone, the server idle again ----
    for (const s of loris) s.closedByUs = !s.closedAt;
    tearingDown = true;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    marks.afterStart = Date.now();
    await sleep(AFTER_MS);
    marks.afterEnd = Date.now();
    const after = { proc: proc(), gauges: await gauges() };
    overflows.end = listenOverflows();
    worker.postMessage('stop');
    const { samples, keepAliveSockets, probeLagMs } = await probeResult;
    await worker.terminate();
    worker = undefined;
    benchLag.disable();

    // ---- figures ----
    const window = (list, from, to) => list.filter((s) => s.t >= from && s.t < to);
    const stats = (list) => {
      const ok = list.filter((s) => !s.error && s.status === 200).map((s) => s.ms);
      return { n: list.length, failed: list.length - ok.length, errors: [...new Set(list.filter((s) => s.error || s.status !== 200).map((s) => s.error ?? s.status))], p50: quantile(ok, 0.5), p99: quantile(ok, 0.99), max: Math.max(...ok) };
    };
    const phases = {
      before: [marks.probeStart, marks.abuseStart],
      during: [marks.abuseStart, marks.duringEnd],
      after: [marks.afterStart, marks.afterEnd],
    };
    const during = {
      connecting: [marks.abuseStart, marks.allOpen],
      holding: [marks.allOpen, marks.change],
      change: [marks.change, marks.delivered],
      lorisTimeout: [marks.delivered, marks.duringEnd],
      resumedPaused: [marks.resume, marks.drained],
    };
    const healthz = {};
    for (const kind of ['keepAlive', 'fresh']) {
      healthz[kind] = Object.fromEntries(Object.entries({ ...phases, ...during }).map(([name, [from, to]]) => [name, { fromS: (from - marks.abuseStart) / 1000, toS: (to - marks.abuseStart) / 1000, ...stats(window(samples[kind], from, to)) }]));
    }
    const slowest = samples.keepAlive
      .filter((s) => !s.error)
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5)
      .map((s) => ({ atS: +((s.t - marks.abuseStart) / 1000).toFixed(3), ms: +s.ms.toFixed(1) }));
    const rssPeak = samples.rss.reduce((m, s) => (s.rssKb > m.rssKb ? s : m), samples.rss[0]);
    const memory = {
      beforeMb: before.rssMb,
      allOpenMb: atOpen.proc.rssMb,
      steadyMb: steady.proc.rssMb,
      peakSampledMb: rssPeak.rssKb / 1024,
      peakSampledAtS: (rssPeak.t - marks.abuseStart) / 1000,
      peakHwmMb: after.proc.hwmMb, // the kernel's high-water mark: the peak between samples too
      afterChangeMb: afterChange.proc.rssMb,
      endOfAbuseMb: endOfAbuse.proc.rssMb,
      afterClosedMb: after.proc.rssMb,
      growthMb: after.proc.hwmMb - before.rssMb,
      hwmBeforeMb: before.hwmMb,
    };
    const liveReport = {
      readers: LIVE,
      gotSnapshot: live.filter((r) => r.snapshotAt).length,
      receivedChange: live.filter((r) => r.changeAt).length,
      disconnected: live.filter((r) => !r.changeAt && r.closedAt).length,
      neither: live.filter((r) => !r.changeAt && !r.closedAt).length,
      disconnectedBeforeChange: live.filter((r) => r.closedAt && r.closedAt < marks.change).length,
      disconnectHow: Object.entries(
        live.filter((r) => !r.changeAt && r.closedAt).reduce((m, r) => ((m[r.how || 'close'] = (m[r.how || 'close'] ?? 0) + 1), m), {}),
      ),
    };
    // Check what the live readers received, event by event (their documents are small).
    const changeLatencies = live.filter((r) => r.changeAt).map((r) => r.changeAt - marks.change);
    const eventCounts = {};
    const wrongChange = [];
    for (const r of live) {
      const { status, events } = parseSse(r.raw);
      eventCounts[`HTTP ${status}`] = (eventCounts[`HTTP ${status}`] ?? 0) + 1;
      for (const e of events) eventCounts[e.event ?? '(retry/comment)'] = (eventCounts[e.event ?? '(retry/comment)'] ?? 0) + 1;
      for (const e of events.filter((e) => e.event === 'change')) {
        const data = JSON.parse(e.data);
        if (data.version !== 2 || !data.changed?.includes('banner') || data.document.flags.banner.defaultVariant !== 'on' || Object.keys(data.document.flags).some((k) => k.startsWith('catalog-'))) wrongChange.push(data.version);
      }
    }
    Object.assign(liveReport, { changeMs: { p50: quantile(changeLatencies, 0.5), p99: quantile(changeLatencies, 0.99), max: Math.max(...changeLatencies) }, eventCounts, wrongChangeEvents: wrongChange.length });
    const pausedReport = {
      readers: PAUSED,
      serverCountedAtOpen: atOpen.serverStreams,
      serverCountsAfterChange: afterChange.gauges.serverStreams,
      disconnectedByServer: atOpen.serverStreams - afterChange.gauges.serverStreams,
      bytesReadBeforeResume: paused.reduce((n, p) => n + p.bytesBeforeResume, 0),
      onResume: {
        gotChange: paused.filter((p) => p.changes > 0).length,
        ended: paused.filter((p) => !p.changes && p.endedAt).length,
        neither: paused.filter((p) => !p.changes && !p.endedAt).length,
        mbReadBeforeEndMedian: quantile(paused.filter((p) => !p.changes && p.endedAt).map((p) => p.bytes / 1e6), 0.5),
        statusLines: [...new Set(paused.map((p) => p.head.split('\r\n')[0]))],
      },
      kernelAtSteady: kernel,
    };
    const lorisClosedByServer = loris.filter((s) => s.closedAt && !s.closedByUs);
    const lorisReport = {
      sockets: LORIS,
      connected: loris.filter((s) => s.sentAt).length,
      openAtChange: lorisOpenAtChange,
      closedByServer: lorisClosedByServer.length,
      stillOpenAtEnd: loris.filter((s) => s.closedByUs).length,
      byKind: Object.fromEntries(
        ['partial request line', 'partial headers'].map((kind) => {
          const ks = lorisClosedByServer.filter((s) => s.kind === kind && s.sentAt);
          const after = ks.map((s) => (s.closedAt - s.sentAt) / 1000);
          return [kind, { closed: ks.length, of: loris.filter((s) => s.kind === kind).length, afterS: { min: Math.min(...after), p50: quantile(after, 0.5), max: Math.max(...after) }, answers: [...new Set(ks.map((s) => s.firstBytes.split('\r\n')[0] || '(nothing)'))], how: [...new Set(ks.map((s) => s.how || 'close'))] }];
        }),
      ),
      lastClosedAtS: (Math.max(...lorisClosedByServer.map((s) => s.closedAt)) - marks.abuseStart) / 1000,
    };
    const cpu = { beforeS: before.cpuS, duringS: endOfAbuse.proc.cpuS - before.cpuS, totalS: after.proc.cpuS };
    const fdsPeak = Math.max(...samples.fds.map((s) => s.n));
    const logLines = log.filter((l) => l.t >= marks.abuseStart).map((l) => `${l.stream}: ${l.line}`);
    const timeline = Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, +((v - marks.abuseStart) / 1000).toFixed(3)]));
    const targets = {
      healthzP99: { target: '< 100 ms', during: healthz.keepAlive.during.p99, met: healthz.keepAlive.during.p99 < 100 },
      rssGrowth: { target: '< 200 MB', growthMb: memory.growthMb, met: memory.growthMb < 200 },
    };

    // ---- stop the server: it must exit on SIGTERM ----
    child.kill('SIGTERM');
    const exit = await Promise.race([exited, sleep(10_000).then(() => 'timeout')]);
    if (exit === 'timeout') child.kill('SIGKILL');
    const results = {
      node: process.version,
      date: new Date().toISOString(),
      cores: cpus().length,
      setup: { loris: LORIS, live: LIVE, paused: PAUSED, order: ORDER, connectWindow: CONNECT_WINDOW, documents, keepAliveEveryMs: KEEPALIVE_EVERY_MS, freshEveryMs: FRESH_EVERY_MS, beforeMs: BEFORE_MS, afterMs: AFTER_MS, holdMs: HOLD_MS },
      fdLimits,
      timeline,
      healthz,
      keepAliveSockets,
      slowest,
      probeLagMs,
      benchLagMs: { p50: benchLag.percentile(50) / 1e6, p99: benchLag.percentile(99) / 1e6, max: benchLag.max / 1e6 },
      memory,
      cpu,
      fdsPeak,
      listenOverflows: { whileConnecting: overflows.allOpen - overflows.before, total: overflows.end - overflows.before },
      live: liveReport,
      paused: pausedReport,
      loris: lorisReport,
      gauges: { atOpen: { serverStreams: atOpen.serverStreams, clientStreams: atOpen.clientStreams }, afterChange: afterChange.gauges, endOfAbuse: endOfAbuse.gauges, after: after.gauges },
      targets,
      serverExit: exit === 'timeout' ? 'did not exit within 10 s of SIGTERM (killed)' : exit,
      serverLog: logLines.slice(0, 50),
    };
    printSummary(results);
    const standard = LORIS === 600 && LIVE === 4000 && PAUSED === 300 && DOC_BYTES === 3_000_000 && ORDER === 'live-first' && CONNECT_WINDOW === 256;
    if (process.env.ABUSE_WRITE !== '0' && standard) {
      const { writeSection } = await import('./report.mjs');
      await writeSection('abuse', render(results), results);
    }
  } finally {
    clearTimeout(safety);
    for (const socket of sockets) socket.destroy();
    if (worker) await worker.terminate();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The status and SSE events of a raw HTTP/1.1 response (chunked or not). */
function parseSse(raw) {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd === -1) return { status: null, events: [] };
  const head = raw.slice(0, headEnd);
  const status = Number(head.split(' ')[1]);
  let body = raw.slice(headEnd + 4);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    let out = '';
    let i = 0;
    for (;;) {
      const nl = body.indexOf('\r\n', i);
      if (nl === -1) break;
      const size = parseInt(body.slice(i, nl), 16);
      if (!(size > 0)) break;
      out += body.slice(nl + 2, nl + 2 + size);
      i = nl + 2 + size + 2;
    }
    body = out;
  }
  const events = body
    .split('\n\n')
    .filter((block) => block.length > 0)
    .map((block) => {
      const e = {};
      for (const line of block.split('\n')) {
        const c = line.indexOf(':');
        if (c <= 0) continue;
        const field = line.slice(0, c);
        const value = line.slice(c + 1).replace(/^ /, '');
        e[field] = field === 'data' && e.data !== undefined ? `${e.data}\n${value}` : value;
      }
      return e;
    });
  return { status, events };
}

const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '—');
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '—');
const lat = (s) => `${f1(s.p50)} / ${f1(s.p99)} / ${f1(s.max)} ms${s.failed ? ` (${s.failed} of ${s.n} failed: ${s.errors.join(', ')})` : ''}`;

function printSummary(r) {
  console.log('\n/healthz p50 / p99 / max (keep-alive every 20 ms | fresh connection every 100 ms):');
  for (const phase of ['before', 'during', 'connecting', 'holding', 'change', 'lorisTimeout', 'resumedPaused', 'after']) {
    const k = r.healthz.keepAlive[phase];
    const f = r.healthz.fresh[phase];
    console.log(`  ${phase.padEnd(14)} ${f1(k.fromS).padStart(5)}–${f1(k.toS).padEnd(5)} s  n=${String(k.n).padStart(4)}  ${lat(k).padEnd(30)} | ${lat(f)}`);
  }
  console.log(`  slowest keep-alive samples (s after abuse start: ms): ${r.slowest.map((s) => `${s.atS}: ${s.ms}`).join(', ')}`);
  console.log(`  probe thread's own event-loop delay p99 ${f1(r.probeLagMs.p99)} ms, max ${f1(r.probeLagMs.max)} ms; keep-alive sockets used: ${r.keepAliveSockets}`);
  const m = r.memory;
  console.log(`RSS: before ${f1(m.beforeMb)} MB, all open ${f1(m.allOpenMb)}, peak ${f1(m.peakHwmMb)} (VmHWM; sampled ${f1(m.peakSampledMb)} at ${f1(m.peakSampledAtS)} s), 1 s after the change ${f1(m.afterChangeMb)}, after every socket closed ${f1(m.afterClosedMb)}; growth ${f1(m.growthMb)} MB`);
  console.log(`server CPU: ${f1(r.cpu.duringS)} s during the abuse; peak ${r.fdsPeak} open fds; listen-queue overflows (dropped SYNs) while connecting: ${r.listenOverflows.whileConnecting}, whole run: ${r.listenOverflows.total}`);
  console.log(`order: ${r.setup.order}; ${r.setup.connectWindow} connects in flight at most`);
  console.log(`live readers: ${r.live.receivedChange} received the change, ${r.live.disconnected} disconnected (${r.live.disconnectHow.map(([k, v]) => `${v} ${k}`).join(', ') || '—'}), ${r.live.neither} neither; change → reader p50/p99/max ${f0(r.live.changeMs.p50)}/${f0(r.live.changeMs.p99)}/${f0(r.live.changeMs.max)} ms`);
  console.log(`  events seen: ${JSON.stringify(r.live.eventCounts)}; malformed change events: ${r.live.wrongChangeEvents}`);
  console.log(`paused readers: server counted ${r.paused.serverCountedAtOpen}, ${r.paused.serverCountsAfterChange} after the change (${r.paused.disconnectedByServer} dropped); on resume ${r.paused.onResume.gotChange} had the change, ${r.paused.onResume.ended} ended (median ${f1(r.paused.onResume.mbReadBeforeEndMedian)} MB before EOF), ${r.paused.onResume.neither} neither; bytes read before resume: ${r.paused.bytesReadBeforeResume}`);
  for (const [kind, k] of Object.entries(r.loris.byKind)) console.log(`slow loris (${kind}): ${k.closed}/${k.of} closed by the server after ${f1(k.afterS.min)}–${f1(k.afterS.max)} s (median ${f1(k.afterS.p50)}), answered ${k.answers.join(' | ')}, ${k.how.join('/')}`);
  console.log(`  ${r.loris.openAtChange} still open at the change; ${r.loris.stillOpenAtEnd} never closed by the server`);
  console.log(`targets: /healthz p99 during ${f1(r.targets.healthzP99.during)} ms (< 100: ${r.targets.healthzP99.met ? 'met' : 'NOT met'}); RSS growth ${f1(r.targets.rssGrowth.growthMb)} MB (< 200: ${r.targets.rssGrowth.met ? 'met' : 'NOT met'})`);
  console.log(`server exit: ${JSON.stringify(r.serverExit)}; timeline (s): ${JSON.stringify(r.timeline)}`);
  const notable = r.serverLog.filter((l) => !/v\d+ from file/.test(l));
  if (notable.length) console.log(`server log during the run:\n  ${notable.join('\n  ')}`);
}

function render(r) {
  const d = r.setup.documents;
  const k = r.healthz.keepAlive;
  const f = r.healthz.fresh;
  const m = r.memory;
  const lo = r.loris.byKind;
  const met = (ok) => (ok ? 'met' : '**not met**');
  return [
    `Measured ${r.date.slice(0, 10)} on Node ${r.node}, ${r.cores} cores, loopback. Document: ${d.flags.toLocaleString('en')} flags, ${(d.serverBytes / 1e6).toFixed(1)} MB for a server key, ${(d.clientBytes / 1e3).toFixed(1)} KB (${d.clientFlags} client-side flags) for a client key. Open-file limit ${r.fdLimits.benchSoft} for both processes (${r.fdLimits.raisedWithUlimit ? 'raised with `ulimit -n 65536`' : 'enough as it was'}; ~${r.fdLimits.needed.toLocaleString('en')} needed).`,
    '',
    '| measurement | result | target |',
    '|---|---:|---:|',
    `| \`/healthz\` p50 / p99 / max, keep-alive, before (${f1(k.before.toS - k.before.fromS)} s) | ${lat(k.before)} | |`,
    `| \`/healthz\` p50 / p99 / max, keep-alive, **during** (${f1(k.during.toS)} s, ${k.during.n} samples) | **${lat(k.during)}** | p99 < 100 ms: ${met(r.targets.healthzP99.met)} |`,
    `| … while the streams connect / at the change / at the slow-loris timeout | p99 ${f1(k.connecting.p99)} / ${f1(k.change.p99)} / ${f1(k.lorisTimeout.p99)} ms, max ${f1(k.connecting.max)} / ${f1(k.change.max)} / ${f1(k.lorisTimeout.max)} ms | |`,
    `| \`/healthz\` p50 / p99 / max, keep-alive, after (every socket closed, ${f1(k.after.toS - k.after.fromS)} s) | ${lat(k.after)} | |`,
    `| \`/healthz\` on a fresh connection every 100 ms: p99 before / during / after | ${f1(f.before.p99)} / ${f1(f.during.p99)} / ${f1(f.after.p99)} ms (max during ${f1(f.during.max)} ms${f.during.failed ? `, ${f.during.failed} failed` : ''}; ${r.listenOverflows.whileConnecting} SYNs dropped by a full accept queue while the streams connected) | |`,
    `| server RSS: before / peak (VmHWM) / 1 s after the change / every socket closed | ${f0(m.beforeMb)} / **${f0(m.peakHwmMb)}** / ${f0(m.afterChangeMb)} / ${f0(m.afterClosedMb)} MB | |`,
    `| RSS growth (peak − before) | **${f0(m.growthMb)} MB** | < 200 MB: ${met(r.targets.rssGrowth.met)} |`,
    `| ${r.live.readers.toLocaleString('en')} live readers (client key): received the change / disconnected / neither | **${r.live.receivedChange} / ${r.live.disconnected} / ${r.live.neither}** | |`,
    `| change → live reader (file rename to event received): p50 / p99 / max | ${f0(r.live.changeMs.p50)} / ${f0(r.live.changeMs.p99)} / ${f0(r.live.changeMs.max)} ms | |`,
    `| ${r.paused.readers} paused readers (server key, never read): disconnected at the change (server's gauge) | **${r.paused.disconnectedByServer}** of ${r.paused.serverCountedAtOpen} (resumed afterwards: ${r.paused.onResume.ended} ended, ${r.paused.onResume.gotChange} had the change) | |`,
    ...Object.entries(lo).map(([kind, x]) => `| ${r.loris.sockets / 2} slow-loris sockets, ${kind}: closed by the server / answer / after | **${x.closed} of ${x.of}** / \`${x.answers.join(' ')}\` / ${f1(x.afterS.min)}–${f1(x.afterS.max)} s | headers timeout 10 s (~11 s) |`),
    `| server CPU during the abuse / peak open descriptors | ${f1(r.cpu.duringS)} s / ${r.fdsPeak} | |`,
    '',
    `Before the change the paused readers' snapshots were almost all in the kernel (${(r.paused.kernelAtSteady.serverSendQ / 1e6).toFixed(0)} MB in the server's send queues, ${(r.paused.kernelAtSteady.clientRecvQ / 1e6).toFixed(0)} MB in the readers' receive queues, of ${((r.paused.readers * d.serverBytes) / 1e6).toFixed(0)} MB sent), so the server saw nothing buffered for them: it queued the ${(d.serverBytes / 1e6).toFixed(1)} MB change for ${r.paused.serverCountsAfterChange} of them — one shared buffer, not a copy each — and dropped ${r.paused.disconnectedByServer} (a reader still holding a queued event at the next change is dropped). The slowest keep-alive \`/healthz\` answers (seconds after the first abusive connection: ms): ${r.slowest.map((s) => `${s.atS}: ${s.ms}`).join(', ')}; the change was made at ${f1(r.timeline.change)} s.`,
  ].join('\n');
}

// Last, so every helper above is initialised before main() runs.
if (isMainThread) await main();
else await probe();
