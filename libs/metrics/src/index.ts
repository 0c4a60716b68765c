export * from './registry.ts';
export * from './server.ts';
export * from './grpc_server.ts';
export * from './role_log.ts';
