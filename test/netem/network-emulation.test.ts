// ses.enableNetworkEmulation on every host (Node under vitest, Deno, headless Chromium), real clock,
// real loopback server. The expected times come from Chromium's model (docs/network-emulation.md):
// 1500-byte packets on a grid of 1500/T seconds, one packet more than the bytes need, round-robin
// among the requests waiting. The bounds are wide enough for a busy machine and tight enough to
// catch a wrong model (no throttling, a per-request budget, a missing latency). Figures of accuracy
// are in bench/netem.mjs, not here.
import { describe, it, expect } from '../harness/api.ts';
import { host } from '../harness/host.ts';
import { networkPresets } from '../../core/src/index.ts';

const { session } = host;
let counter = 0;
const fresh = (label: string) => session.fromPartition(`netem-${label}-${Date.now()}-${counter++}`);
const bytesUrl = (n: number, extra = '') => `${host.fixturesUrl}/bytes?n=${n}&r=${counter++}${extra}`;
const ms = () => performance.now();

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = ms();
  const value = await fn();
  return [value, ms() - t0];
}

describe(`network emulation on ${host.name}`, () => {
  it('throttles a single download to the download throughput (1500-byte packets, one extra)', async () => {
    const ses = fresh('single');
    ses.enableNetworkEmulation({ downloadThroughput: 150_000 }); // a packet every 10 ms
    const [length, elapsed] = await timed(async () => (await (await ses.fetch(bytesUrl(60_000))).arrayBuffer()).byteLength);
    expect(length).toBe(60_000);
    // Head (~150 B) + 60,000 B: floor(60,150 / 1500) + 1 = 41 packets = 410 ms (±1 tick of grid alignment).
    expect(elapsed).toBeGreaterThan(380);
    expect(elapsed).toBeLessThan(900);
    ses.disableNetworkEmulation();
    const [, after] = await timed(async () => (await (await ses.fetch(bytesUrl(60_000))).arrayBuffer()).byteLength);
    expect(after).toBeLessThan(200);
  });

  it('shares one budget between ten concurrent downloads (round-robin, all finish together)', async () => {
    const ses = fresh('ten');
    ses.enableNetworkEmulation({ downloadThroughput: 150_000 });
    const t0 = ms();
    const ends = await Promise.all(Array.from({ length: 10 }, async () => {
      await (await ses.fetch(bytesUrl(15_000))).arrayBuffer();
      return ms() - t0;
    }));
    // 10 x (floor(~15,150 / 1500) + 1) = 110 packets = 1.1 s for the set; a budget per request, or
    // first-come-first-served, would finish the first in ~0.11 s. Round-robin finishes the first
    // near 1 s when all ten join at once; one that joins late (Chromium opens six connections per
    // host, so the browser may start four of them later) lets the others finish earlier, hence 500.
    const seen = `finish times ${ends.map((e) => Math.round(e)).join(', ')} ms`;
    expect(Math.min(...ends), seen).toBeGreaterThan(500);
    expect(Math.max(...ends), seen).toBeGreaterThan(1050);
    expect(Math.max(...ends), seen).toBeLessThan(1900);
    ses.disableNetworkEmulation();
  });

  it('throttles an upload to the upload throughput and leaves downloads alone', async () => {
    const ses = fresh('upload');
    ses.enableNetworkEmulation({ uploadThroughput: 50_000 }); // a packet every 30 ms
    const body = new Uint8Array(30_000).fill(98);
    const [echo, elapsed] = await timed(async () => (await ses.fetch(`${host.fixturesUrl}/echo`, { method: 'POST', body })).json());
    expect(echo.body.length).toBe(30_000);
    // Deno's fetch sends a stream body chunked whatever Content-Length says (docs/network-emulation.md).
    if (host.name !== 'deno') expect(Number(echo.headers['content-length'])).toBe(30_000);
    // floor(30,000 / 1500) + 1 = 21 packets = 630 ms.
    expect(elapsed).toBeGreaterThan(560);
    expect(elapsed).toBeLessThan(1300);
    const [, download] = await timed(async () => (await ses.fetch(bytesUrl(100_000))).arrayBuffer());
    expect(download).toBeLessThan(300);
    ses.disableNetworkEmulation();
  });

  it('throttles a stream request body on the upload budget, the byte count carried across chunks', async () => {
    const ses = fresh('upload-stream');
    ses.enableNetworkEmulation({ uploadThroughput: 50_000 }); // a packet every 30 ms
    let left = 6;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (left-- > 0) c.enqueue(new Uint8Array(5000).fill(98));
        else c.close();
      },
    });
    const init = { method: 'POST', body, duplex: 'half' } as RequestInit;
    const [echo, elapsed] = await timed(async () => (await ses.fetch(`${host.fixturesUrl}/echo`, init)).json());
    expect(echo.body).toBe('b'.repeat(30_000));
    // Six 5,000-byte chunks, one running count: floor(30,000 / 1500) + 1 = 21 packets = 630 ms
    // (test/netem/throttle-stage.test.ts checks the per-chunk times exactly).
    expect(elapsed).toBeGreaterThan(560);
    expect(elapsed).toBeLessThan(1300);
    ses.disableNetworkEmulation();
  });

  it('throttles an upload and a download at once, each on its own budget', async () => {
    const ses = fresh('both-ways');
    ses.enableNetworkEmulation({ uploadThroughput: 50_000, downloadThroughput: 50_000 }); // 30 ms packets each way
    const t0 = ms();
    const upload = ses.fetch(`${host.fixturesUrl}/echo`, { method: 'POST', body: new Uint8Array(30_000).fill(98) })
      .then((r: Response) => r.json()).then((echo: { body: string }) => [echo.body.length, ms() - t0] as const);
    const download = ses.fetch(bytesUrl(30_000)).then((r: Response) => r.arrayBuffer()).then((b: ArrayBuffer) => [b.byteLength, ms() - t0] as const);
    const [[upLength, upDone], [downLength, downDone]] = await Promise.all([upload, download]);
    expect(upLength).toBe(30_000);
    expect(downLength).toBe(30_000);
    // The download: 21 packets = 630 ms while the upload sends its own 21 packets. One shared
    // budget would interleave the 42 packets and end the download near 1,260 ms.
    expect(downDone).toBeGreaterThan(560);
    expect(downDone).toBeLessThan(1000);
    // The upload (630 ms), then its ~30 KB echo on the download budget (another ~630 ms).
    expect(upDone).toBeGreaterThan(1150);
    expect(upDone).toBeLessThan(2400);
    ses.disableNetworkEmulation();
  });

  it('adds the latency once per request, at the headers, and not per read', async () => {
    const ses = fresh('latency');
    ses.enableNetworkEmulation({ latency: 300 });
    const [, headers] = await timed(() => ses.fetch(bytesUrl(200_000)));
    expect(headers).toBeGreaterThan(290);
    expect(headers).toBeLessThan(700);
    const [, whole] = await timed(async () => (await ses.fetch(bytesUrl(200_000))).arrayBuffer());
    expect(whole).toBeGreaterThan(290);
    expect(whole).toBeLessThan(800);
    ses.disableNetworkEmulation();
  });

  it('fails requests while offline, at start and while reading, and not after going back online', async () => {
    const ses = fresh('offline');
    ses.enableNetworkEmulation({ offline: true });
    const [error, elapsed] = await timed(() => ses.fetch(bytesUrl(10)).then(() => null, (e: Error) => e));
    expect(error?.message).toBe('net::ERR_INTERNET_DISCONNECTED');
    expect(elapsed).toBeLessThan(100);
    ses.enableNetworkEmulation({ downloadThroughput: 150_000 });
    const response = await ses.fetch(bytesUrl(100_000));
    // Read with a reader: Chromium's Response.arrayBuffer() replaces a body stream's error with its
    // own TypeError('Failed to fetch'), the reader sees the error itself on every host.
    const reader = response.body!.getReader();
    const reading = (async () => { for (;;) if ((await reader.read()).done) return null; })().catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 50));
    // One packet a second from now on: the new grid starts here, so the queued read's next tick is
    // a second away. Failing "at once" takes a few ms; waiting for that tick would take ~900 ms.
    ses.enableNetworkEmulation({ downloadThroughput: 1500 });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = ms();
    ses.enableNetworkEmulation({ offline: true });
    const failed = await reading;
    expect(failed?.message).toBe('net::ERR_INTERNET_DISCONNECTED');
    expect(ms() - t0).toBeLessThan(400);
    ses.disableNetworkEmulation();
    expect((await (await ses.fetch(bytesUrl(10))).arrayBuffer()).byteLength).toBe(10);
  });

  it.skipIf(!host.capabilities.has('choose-route'))('throttles requests sent through a real HTTP proxy too (capability "choose-route")', async () => {
    const ports = await (await fetch(`${host.fixturesUrl}/proxies`)).json();
    const ses = fresh('proxy');
    await ses.setProxy({ proxyRules: `http=127.0.0.1:${ports.http}`, proxyBypassRules: '<-loopback>' });
    ses.enableNetworkEmulation({ downloadThroughput: 150_000 });
    const url = bytesUrl(30_000);
    const [length, elapsed] = await timed(async () => (await (await ses.fetch(url)).arrayBuffer()).byteLength);
    expect(length).toBe(30_000);
    // floor(~30,150 / 1500) + 1 = 21 packets = 210 ms.
    expect(elapsed).toBeGreaterThan(180);
    expect(elapsed).toBeLessThan(700);
    const seen: Array<{ target: string }> = await (await fetch(`${host.fixturesUrl}/proxies/http/seen`)).json();
    expect(seen.filter((entry) => entry.target === url)).toHaveLength(1);
    ses.disableNetworkEmulation();
  });

  it('lets an aborted request go at once, not at its turn in the queue', async () => {
    const ses = fresh('abort');
    ses.enableNetworkEmulation({ downloadThroughput: 15_000 }); // 100 ms a packet
    const others = Array.from({ length: 5 }, () => ses.fetch(bytesUrl(30_000)).then((r: Response) => r.arrayBuffer()).catch(() => null));
    const controller = new AbortController();
    const response = await ses.fetch(bytesUrl(30_000), { signal: controller.signal });
    const reader = response.body!.getReader();
    const reading = (async () => { for (;;) if ((await reader.read()).done) return null; })().catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 150));
    const t0 = ms();
    controller.abort();
    const error = await reading;
    expect(error?.name).toBe('AbortError');
    expect(ms() - t0).toBeLessThan(100);
    ses.disableNetworkEmulation();
    await Promise.all(others);
  });

  it('does not throttle cache hits', async () => {
    const ses = fresh('cachehit');
    const url = bytesUrl(50_000, '&cc=max-age%3D600');
    await (await ses.fetch(url)).arrayBuffer();
    ses.enableNetworkEmulation({ downloadThroughput: 10_000, latency: 500 });
    const [length, elapsed] = await timed(async () => (await (await ses.fetch(url)).arrayBuffer()).byteLength);
    expect(length).toBe(50_000);
    expect(elapsed).toBeLessThan(200);
    ses.disableNetworkEmulation();
  });

  it("validates options as Electron's defaults do and rejects bad values by name", () => {
    const ses = fresh('validate');
    expect(() => ses.enableNetworkEmulation({ latency: -1 })).toThrow(/latency must be a finite number >= 0 \(ms; 0 turns it off\), got number -1/);
    expect(() => ses.enableNetworkEmulation({ downloadThroughput: 'fast' as any })).toThrow(/downloadThroughput must be a finite number >= 0.*got "fast"/);
    expect(() => ses.enableNetworkEmulation({ uploadThroughput: NaN })).toThrow(/uploadThroughput/);
    expect(() => ses.enableNetworkEmulation({ offline: 'yes' as any })).toThrow(/offline must be a boolean/);
    expect(() => ses.enableNetworkEmulation(null as any)).toThrow(/expects an options object/);
    ses.enableNetworkEmulation({});
    ses.disableNetworkEmulation();
    expect(networkPresets['Slow 3G']).toEqual({ offline: false, latency: 2000, downloadThroughput: 50_000, uploadThroughput: 50_000 });
    expect(networkPresets['Fast 3G']).toEqual({ offline: false, latency: 562.5, downloadThroughput: 180_000, uploadThroughput: 84_375 });
    expect(networkPresets['Slow 4G']).toEqual(networkPresets['Fast 3G']);
    expect(networkPresets['Fast 4G']).toEqual({ offline: false, latency: 165, downloadThroughput: 1_012_500, uploadThroughput: 168_750 });
    expect(networkPresets.GPRS).toEqual({ offline: false, latency: 500, downloadThroughput: 6400, uploadThroughput: 6400 });
  });
});
