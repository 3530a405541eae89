/**
 * A request as it travels through a session's pipeline. Each stage may change it and hands it to
 * the next stage; the last stage is the host's transport.
 */
export interface PipelineRequest {
  url: URL;
  method: string;
  headers: Headers;
  body: BodyInit | null;
  signal: AbortSignal | undefined;
  redirect: RequestRedirect;
  /** The proxy list chosen for this request, as a PAC string (`DIRECT`, `PROXY h:p;DIRECT`, ...). */
  proxy: string;
  /** Partition of the session that sent the request (for errors and logs). */
  partition: string;
}

/**
 * What a session hands its transport when it creates it: the transport belongs to one session (its
 * connection pools, TLS settings and host cache are that session's). Later capabilities add fields.
 */
export interface TransportContext {
  /** Partition of the owning session (for errors and logs). */
  readonly partition: string;
}

/** Creates a session's transport; each host supplies one. */
export type TransportFactory = (context: TransportContext) => Transport;

/** Sends a request over the network (undici on Node, `fetch` on Deno and in browsers). */
export interface Transport {
  readonly name: string;
  dispatch(request: PipelineRequest): Promise<Response>;
  /** Close pooled connections; in-flight requests fail. */
  close?(): Promise<void>;
}

/** One pipeline stage: does its part and calls `next` (or answers itself). */
export type Stage = (request: PipelineRequest, next: (request: PipelineRequest) => Promise<Response>) => Promise<Response>;

/** Wraps `transport` in `stages`, the first stage outermost (as undici's `compose`). */
export function compose(stages: readonly Stage[], transport: Transport): (request: PipelineRequest) => Promise<Response> {
  let next = (request: PipelineRequest): Promise<Response> => transport.dispatch(request);
  for (let i = stages.length - 1; i >= 0; i--) {
    const stage = stages[i]!;
    const inner = next;
    next = (request) => stage(request, inner);
  }
  return next;
}
