// A real HTTP forward proxy on loopback for tests: absolute-form requests and CONNECT tunnels.
// Every request it handles is recorded, so a test can check the traffic at the proxy.
import http from 'node:http';
import net from 'node:net';

export async function startHttpProxy() {
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method, target: req.url, headers: req.headers });
    let target;
    try {
      target = new URL(req.url);
    } catch {
      res.writeHead(400);
      res.end('absolute-form request expected');
      return;
    }
    const upstream = http.request({ host: target.hostname, port: target.port || 80, path: target.pathname + target.search, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(upstream);
  });
  server.on('connect', (req, socket, head) => {
    seen.push({ method: 'CONNECT', target: req.url, headers: req.headers });
    const sep = req.url.lastIndexOf(':');
    const upstream = net.connect(Number(req.url.slice(sep + 1)), req.url.slice(0, sep).replace(/^\[|\]$/g, ''), () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    seen,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}
