// Set-Cookie ingest with each library alone in its own process: a cross-check of the ingest row of
// bench/cookies.mjs, where both share one heap (and so each other's garbage collections). Each
// child process warms up on WARMUP passes, collects garbage, then times one pass of the same
// 16,000 lines (bench/cookie-ingest-inputs.mjs) into a fresh jar: ours through
// CookieStore.setFromLine as the ses.fetch cookie stage calls it, tough-cookie 6 through
// CookieJar.setCookieSync. ROUNDS rounds alternate which side starts; medians and the median of
// the per-round ratios are printed.
// Run: node bench/cookies-apart.mjs [--rounds N]  (after npm run build)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ingestInputs } from './cookie-ingest-inputs.mjs';

const WARMUP = 3;
const args = process.argv.slice(2);
const self = fileURLToPath(import.meta.url);

if (args[0] === '--side') {
  const side = args[1];
  v8.setFlagsFromString('--expose-gc');
  const collect = vm.runInNewContext('gc');
  const { INGEST, INGEST_LINES } = ingestInputs();
  let pass;
  if (side === 'ours') {
    const { session } = await import('../dist/node.js');
    let k = 0;
    pass = async () => {
      const ses = session.fromPartition(`apart-${process.pid}-${k++}`);
      const jar = await ses.cookies.jar();
      collect();
      const t = performance.now();
      for (const { url, lines } of INGEST) {
        const now = Date.now();
        for (const line of lines) {
          if (jar.setFromLine(url, line, now, { serverTime: null, partitionKey: null, sameSiteContext: 'same-site' }).length > 0) throw new Error(`ours refused ${line}`);
        }
      }
      const us = ((performance.now() - t) * 1000) / INGEST_LINES;
      if (jar.size !== INGEST_LINES) throw new Error(`ours stored ${jar.size} of ${INGEST_LINES}`);
      await ses.clearStorageData({ storages: ['cookies'] });
      return us;
    };
  } else if (side === 'tough') {
    const { CookieJar } = await import('tough-cookie');
    pass = async () => {
      const jar = new CookieJar();
      collect();
      const t = performance.now();
      for (const { url, lines } of INGEST) {
        for (const line of lines) if (jar.setCookieSync(line, url) === undefined) throw new Error(`tough-cookie refused ${line}`);
      }
      return ((performance.now() - t) * 1000) / INGEST_LINES;
    };
  } else throw new Error(`--side expects ours or tough, got ${side}`);
  for (let i = 0; i < WARMUP; i++) await pass();
  process.stdout.write(`${await pass()}\n`);
  process.exit(0);
}

const ROUNDS = args.includes('--rounds') ? Math.max(1, Number(args[args.indexOf('--rounds') + 1]) || 8) : 8;
const runSide = (side) => {
  const r = spawnSync(process.execPath, [self, '--side', side], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the ${side} process failed: ${r.stderr}`);
  const us = Number(r.stdout.trim());
  if (!Number.isFinite(us)) throw new Error(`the ${side} process printed ${r.stdout}`);
  return us;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ours = [];
const tough = [];
for (let round = 0; round < ROUNDS; round++) {
  if (round % 2 === 0) {
    ours.push(runSide('ours'));
    tough.push(runSide('tough'));
  } else {
    tough.push(runSide('tough'));
    ours.push(runSide('ours'));
  }
}
const ratios = ours.map((o, i) => tough[i] / o);
console.log(`Set-Cookie ingest, each library alone in its own process (${ROUNDS} rounds, ${WARMUP} warm-up passes each, then one timed pass of 16,000 lines):`);
console.log(`ours ${median(ours).toFixed(2)} µs/line, tough-cookie ${median(tough).toFixed(2)} µs/line: ${median(ratios).toFixed(1)}x (${Math.min(...ratios).toFixed(1)}–${Math.max(...ratios).toFixed(1)})`);
