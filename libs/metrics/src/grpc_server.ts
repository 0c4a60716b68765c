/**
 * The standard gRPC server metrics (names and labels of go-grpc-prometheus, so stock dashboards
 * work): started, handled by code, handling time, messages received and sent. Installed as one
 * server interceptor, so every method, health included, is counted without touching handlers.
 */
import * as grpc from '@grpc/grpc-js';
import { Counter, Histogram, type Registry } from 'prom-client';

export type GrpcType = 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream';
type Labels = { grpc_service: string; grpc_method: string; grpc_type: GrpcType };

/** `INVALID_ARGUMENT` → `InvalidArgument`, as go-grpc-prometheus labels codes. */
export function codeLabel(code: grpc.status): string {
  const name = grpc.status[code] ?? 'UNKNOWN';
  return name.toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase()).replace(/^Ok$/, 'OK');
}

export function grpcServerMetrics(registry: Registry): grpc.ServerInterceptor {
  const labelNames = ['grpc_service', 'grpc_method', 'grpc_type'] as const;
  const started = new Counter({ name: 'grpc_server_started_total', help: 'RPCs started on the server.', labelNames, registers: [registry] });
  const handled = new Counter({
    name: 'grpc_server_handled_total',
    help: 'RPCs completed on the server, by status code.',
    labelNames: [...labelNames, 'grpc_code'],
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'grpc_server_handling_seconds',
    help: 'Time from the start of an RPC to its status (seconds).',
    labelNames,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const received = new Counter({ name: 'grpc_server_msg_received_total', help: 'Messages received.', labelNames, registers: [registry] });
  const sent = new Counter({ name: 'grpc_server_msg_sent_total', help: 'Messages sent.', labelNames, registers: [registry] });

  return (method, call) => {
    const [, service = 'unknown', name = 'unknown'] = method.path.split('/');
    const type: GrpcType = method.requestStream ? (method.responseStream ? 'bidi_stream' : 'client_stream') : method.responseStream ? 'server_stream' : 'unary';
    const labels: Labels = { grpc_service: service, grpc_method: name, grpc_type: type };
    const t0 = process.hrtime.bigint();
    let done = false;
    const finish = (code: grpc.status) => {
      if (done) return;
      done = true;
      handled.inc({ ...labels, grpc_code: codeLabel(code) });
      seconds.observe(labels, Number(process.hrtime.bigint() - t0) / 1e9);
    };
    started.inc(labels);
    // grpc-js refuses some calls itself (a message over grpc.max_receive_message_length →
    // RESOURCE_EXHAUSTED) by calling sendStatus on its own call object, which interceptors never
    // see: they only get onCancel. Observing that object's sendStatus labels those calls with
    // their real code instead of Cancelled (test: libs/metrics/test/metrics.test.ts).
    const own = call as unknown as { sendStatus?: (status: { code: grpc.status }) => void };
    if (typeof own.sendStatus === 'function') {
      const send = own.sendStatus.bind(call);
      own.sendStatus = (status) => {
        finish(status.code);
        send(status);
      };
    }
    return new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMessage: (message, nextMessage) => {
            received.inc(labels);
            nextMessage(message);
          },
          onCancel: () => finish(grpc.status.CANCELLED),
        }),
      sendMessage: (message, next) => {
        sent.inc(labels);
        next(message);
      },
      sendStatus: (status, next) => {
        finish(status.code);
        next(status);
      },
    });
  };
}
