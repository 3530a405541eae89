import { netError, toBodyNetError, toNetError } from '../net/net-errors.ts';
import type { PipelineRequest, Stage, Transport } from './transport.ts';
import { withBody } from './response.ts';

/**
 * Wraps a transport so that every failure, while connecting or while the body streams, reaches the
 * caller as Chromium's net error (the mapping itself is in net/net-errors.ts). An abort keeps the
 * signal's reason, as Electron's net.fetch rejects with `signal.reason`.
 */
export function withNetErrors(transport: Transport): Transport {
  const wrapped: Transport = {
    ...transport,
    name: transport.name,
    async dispatch(request) {
      const context = { url: request.url.href, partition: request.partition };
      let response: Response;
      try {
        response = await transport.dispatch(request);
      } catch (err) {
        if (request.signal?.aborted) throw request.signal.reason;
        throw toNetError(err, context);
      }
      if (!response.body) return response;
      const source = response.body;
      const headers = response.headers;
      const signal = request.signal;
      return withBody(response, mapStream(source, (err) => (signal?.aborted ? signal.reason : toBodyNetError(err, headers, context))));
    },
  };
  return wrapped;
}

function mapStream(source: ReadableStream<Uint8Array>, mapError: (err: unknown) => unknown, onDone?: () => void): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let finished = false;
  const finish = (): void => {
    if (!finished) {
      finished = true;
      onDone?.();
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          finish();
          controller.close();
        } else controller.enqueue(value);
      } catch (err) {
        finish();
        controller.error(mapError(err));
      }
    },
    async cancel(reason) {
      finish();
      await reader.cancel(reason);
    },
  });
}

/**
 * The session's requests in flight, from the first stage until their body is read or cancelled, so
 * `closeAllConnections()` can fail them (`net::ERR_ABORTED`, as HttpNetworkSession::CloseAllConnections
 * fails its streams). Each request gets its own AbortSignal, combined with the caller's.
 */
export class InFlightRequests {
  readonly #controllers = new Set<AbortController>();

  /** The outermost pipeline stage. */
  readonly stage: Stage = async (request, next) => {
    const controller = new AbortController();
    const signal = request.signal ? AbortSignal.any([request.signal, controller.signal]) : controller.signal;
    this.#controllers.add(controller);
    const done = (): void => {
      this.#controllers.delete(controller);
    };
    const tracked: PipelineRequest = { ...request, signal };
    let response: Response;
    try {
      response = await next(tracked);
    } catch (err) {
      done();
      throw controller.signal.aborted ? controller.signal.reason : err;
    }
    if (!response.body) {
      done();
      return response;
    }
    // Some hosts (Chromium) error an aborted body with their own TypeError rather than the reason.
    return withBody(response, mapStream(response.body, (err) => (controller.signal.aborted ? controller.signal.reason : err), done));
  };

  /** How many requests are in flight. */
  get size(): number {
    return this.#controllers.size;
  }

  /** Fails every request in flight with `net::ERR_ABORTED`. */
  abortAll(context: Record<string, unknown>): void {
    const reason = netError('ERR_ABORTED', context);
    for (const controller of this.#controllers) controller.abort(reason);
    this.#controllers.clear();
  }
}
