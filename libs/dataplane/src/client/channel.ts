/**
 * Channel options shared by every disco client and server: explicit message limits on both
 * ends, round-robin over all resolved addresses (so one `dns:///svc-headless:port` target spreads
 * calls over every pod of a headless Kubernetes service), and keepalive pings that notice a dead
 * peer on a quiet connection.
 */
import * as grpc from '@grpc/grpc-js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../codec/limits.ts';

export interface ChannelTuning {
  /** gRPC message limit, both directions (bytes). */
  maxMessageBytes?: number;
  /** Keepalive ping interval on idle connections (ms). */
  keepaliveMs?: number;
}

export function channelOptions(tuning: ChannelTuning = {}): grpc.ChannelOptions {
  const max = tuning.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  return {
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': max,
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    'grpc.keepalive_time_ms': tuning.keepaliveMs ?? 20_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    // Each new call may pick another replica; do not pin all of them to the first connection.
    'grpc.use_local_subchannel_pool': 1,
    // 16 MiB HTTP/2 windows instead of 64 KiB: a 64 KiB window caps a stream at one window per
    // event-loop round trip (servers get the same in server/flow_control.ts).
    'grpc-node.flow_control_window': 16 * 1024 * 1024,
  };
}

export function serverOptions(tuning: ChannelTuning = {}): grpc.ServerOptions {
  const max = tuning.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  return {
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': max,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  };
}
