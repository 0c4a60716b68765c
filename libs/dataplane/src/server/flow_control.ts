/**
 * Larger HTTP/2 flow-control windows on a grpc-js server. Node's default window is 64 KiB per
 * stream and per connection, which caps one upload stream at 64 KiB per event-loop round trip:
 * on loopback that, not CPU, limits how fast workers can push views into the trainer. grpc-js
 * honours `grpc-node.flow_control_window` on clients only, so for servers this sets the HTTP/2
 * `initialWindowSize` setting and each session's connection window through grpc-js internals
 * (`commonServerOptions`, `http2Servers`), guarded: if a future grpc-js renames them, nothing
 * breaks, the windows just stay at the default (a bench would show it).
 */
import type * as grpc from '@grpc/grpc-js';
import type { Http2Server, ServerHttp2Session, Settings } from 'node:http2';

interface GrpcServerInternals {
  commonServerOptions?: { settings?: Settings };
  http2Servers?: Map<Http2Server, unknown>;
}

/** Call before `bindAsync`: stream windows of sessions accepted later. */
export function setServerStreamWindow(server: grpc.Server, bytes: number): boolean {
  const internals = server as unknown as GrpcServerInternals;
  if (!internals.commonServerOptions) return false;
  internals.commonServerOptions.settings = { ...internals.commonServerOptions.settings, initialWindowSize: bytes };
  return true;
}

/** Call after `bindAsync`: each new session gets a connection window of `bytes`. */
export function setServerConnectionWindow(server: grpc.Server, bytes: number): boolean {
  const servers = (server as unknown as GrpcServerInternals).http2Servers;
  if (!(servers instanceof Map)) return false;
  for (const http2Server of servers.keys()) {
    if ((http2Server as Http2Server & { discoWindow?: boolean }).discoWindow) continue;
    (http2Server as Http2Server & { discoWindow?: boolean }).discoWindow = true;
    http2Server.on('session', (session: ServerHttp2Session) => {
      try {
        session.setLocalWindowSize(bytes);
      } catch {
        // The session closed before its window could be set: nothing to do.
      }
    });
  }
  return true;
}
